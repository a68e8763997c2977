// Package attachmentstest is the test kit for hosts of package attachments:
// what a host's own tests need to check its rules in a few lines, without a
// server.
//
//   - Check, Accepts and Refuses check a file against a validate.Policy (or
//     a Config's, through Policy) the way an upload is checked, stream
//     drained and size included, and give the final verdict.
//   - RunBefore and RunHook run a before-listener, typed or a hooks
//     listener, on a real file: the file is checked and stored first, as in
//     production, so a listener that reads it through File.Open or
//     hooks.Event.Open reads the bytes that were sent.
//   - Transport and Members are an in-memory chat and directory, and
//     NewClient wires them into a Client that is closed when the test ends.
//
// Nothing here is fit for production: the chat and the directory live in
// one process's memory.
package attachmentstest
