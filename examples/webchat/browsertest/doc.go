// Package browsertest drives the web chat demo's page in headless Chromium,
// as a person would: signing each view in (and being refused without a
// session, with a forged one, with an expired one), attaching through the
// file picker, removing, sending, dropping a file, opening links, deleting
// after the question and blocking, an upload that recovers by itself from
// a server restarted under it, at 1440×900, 1024×768 and 390×844, and runs
// axe-core (which scripts/deps.sh caches from the npm
// registry; set AXE_CORE to use another axe.min.js) in every view.
//
// It is a module of its own so that the library's users never pull in a
// browser driver. It needs Debian's chromium (scripts/deps.sh installs it);
// set CHROMIUM to use another binary. Without one the test skips, except in
// CI (CI=true), where it fails.
package browsertest
