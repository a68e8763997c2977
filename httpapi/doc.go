// Package httpapi gives a host the HTTP side of the attachments library:
// handlers it mounts on its own mux for uploading and sending files,
// drafts, download links and deleting messages; tus 1.0 resumable uploads
// (through tusd); per-member and per-channel limits; and Prometheus
// metrics. The host keeps its own authentication: a MemberFunc tells the
// Handler who a request acts for.
//
//	h, err := httpapi.New(client, memberFromSession, &httpapi.Options{Registerer: registry})
//	mux.Handle(httpapi.DefaultPath, h)
//	mux.Handle("/attachments/dl/", h.Links())
//	mux.Handle("/metrics", h.Metrics())
//	srv := httpapi.NewServer(":8080", mux)
//
// # Uploads
//
// A multipart upload is parsed as a stream: the small fields before the
// file, a preflight of the file's name, type and declared size, then the
// file part straight into the action, with no temporary file and no
// buffering. A body that ends early, or carries a second file, fails the
// upload and stores nothing.
//
// # Resumable uploads
//
// A client creates a tus 1.0 upload (core, creation and termination) with
// POST {path}channels/{channel}/uploads and Upload-Metadata: "filename" and
// "filetype" as the client declares them, "target" ("message", the
// default, sends the file; "draft" attaches it to the member's draft) and
// "text" (the message's text, ModeConversations only). The name, type and
// size pass the sender's preflight before the upload exists.
// The client then PATCHes {path}uploads/{id} (the Location) with the
// bytes, HEADs it to learn the offset after a break, and may DELETE it.
// Only the member who created an upload may see, continue or terminate it.
//
// Each PATCH's bytes become one chunk in storage (Options.UploadStorage);
// when a connection drops, the bytes that did arrive are kept, so the
// client resumes with only the rest. When the last byte arrives, the chunks
// are read back as one stream into SendMediaMessage or AttachFile, so the
// same guard as a direct upload checks the file — size, sniffing,
// listeners, virus scan — and the chunks are deleted whatever it says. The
// last PATCH is answered 200 with the same JSON as a direct upload
// (SentReply or DraftReply), or with the refusal. An upload not finished
// within Options.UploadLifetime is deleted by Sweep.
//
// # Errors
//
// Every refusal is JSON, {"error": {"code", "message", "details"}}, with
// the status Status gives for the code, tus included (tusd's own refusals
// are mapped to codes); Status is exported so that a host's own handlers
// answer the same code with the same status.
//
// # Security
//
// Every route reveals or records something — a link minted, a journal
// entry written, whether a message or file exists — so a request a browser
// makes for another site is refused with permission_denied, GETs included
// (net/http's CrossOriginProtection lets those through): Sec-Fetch-Site
// must be "same-origin" or "none", or, where a browser does not send it,
// Origin must name the request's host. A client that is no browser sends
// neither and passes. A page on another origin, or a host behind a proxy
// that rewrites Host, lists the page's origin in Options.TrustedOrigins.
//
// A refused upload is answered at once and its connection closed, rather
// than its body read to the end. A body that stops arriving is cut off
// after Options.StallTimeout, one slower than Options.MinBodyRate after a
// BodyRateWindow, and one shorter than its Content-Length is incomplete
// even when the form inside it is whole: each is upload_incomplete, and
// nothing is stored. An upload takes its in-flight slot (Limits) before
// its body is read. NewServer sets the header, read and idle timeouts a
// host's own http.Server should set too. An error's cause, which may name
// paths or addresses, is never sent to the client. A tus upload is visible
// only to the member who created it.
//
// # Contract
//
// GET {path}openapi.json serves the OpenAPI 3 document of every route,
// body, status and error code, tus included.
package httpapi
