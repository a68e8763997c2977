// Package browsertest drives the web chat demo's page in headless Chromium,
// as a person would: attaching through the file picker, removing, sending,
// dropping a file, opening links, deleting and blocking, at 1440, 1024 and
// 390 px wide, and runs axe-core (which scripts/deps.sh caches from the npm
// registry; set AXE_CORE to use another axe.min.js) in every view.
//
// It is a module of its own so that the library's users never pull in a
// browser driver. It needs Debian's chromium (scripts/deps.sh installs it);
// set CHROMIUM to use another binary. Without one the test skips, except in
// CI (CI=true), where it fails.
package browsertest
