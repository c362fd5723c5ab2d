// Prints jest's JSON result as the plain closing line CI reads: "N passed, N failed".
const fs = require("fs");
const file = process.argv[2];
if (!file || !fs.existsSync(file)) {
    console.log("0 passed, 1 failed");
    process.exit(1);
}
const result = JSON.parse(fs.readFileSync(file, "utf8"));
// A suite that failed to run (syntax error, hook timeout) counts as one failure.
const brokenSuites = result.testResults.filter((suite) => suite.status === "failed" && suite.assertionResults.length === 0).length;
console.log(`${result.numPassedTests} passed, ${result.numFailedTests + brokenSuites} failed`);
process.exit(result.success ? 0 : 1);
