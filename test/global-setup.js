// Tests that run accord in a child process (crash tests, the API's SIGTERM test) run
// the compiled code, so build it once before any suite starts.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.js')], { stdio: 'inherit' });
};
