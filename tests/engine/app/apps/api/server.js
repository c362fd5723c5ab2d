// Answers every path with the release and the task (host name) that served it; 200 on the health path.
const http = require("http");
const os = require("os");

const RELEASE = "api-1";
const port = Number(process.env.API_PORT || 3000);
const server = http.createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ release: RELEASE, task: os.hostname(), path: request.url }));
});
server.listen(port, "0.0.0.0");
// Swarm stops a task with SIGTERM: finish what is in flight, then exit.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
