document.getElementById("root").textContent = "DropIt web-1";
