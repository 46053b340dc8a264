// Puppeteer never downloads a browser here: the chart renderer finds a system Chromium itself.
module.exports = { skipDownload: true };
