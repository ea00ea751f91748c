// The jobs act on every company's due rows, so their suites must not run at the same time
// as each other (their exact counts would see each other's fixtures). Vitest runs the test
// files of a project in parallel but the tests of one file in order: one file, three suites.
import "./lifecycle.suite";
import "./weekly.suite";
import "./sweep.suite";
