// Package links gives stored media temporary download links and serves them.
//
// The DownloadMedia action, once it has checked that a member may download a
// file, calls Server.Issue for a Link: a URL that works for a short time
// (DefaultLifetime, five minutes) and then never again. The URL is the base
// URL the host mounts the Server on, followed by a token a Signer minted; the
// Server, an http.Handler, checks the token and streams the blob from
// storage. With Options.NativeURLs, a storage that can pre-sign URLs (S3 and
// the like) is used instead.
//
//	signer, _ := links.NewSigner(links.Key{ID: "2031-03", Secret: secret}, nil)
//	srv, _ := links.New(bucket, signer, "https://chat.example.com/dl", nil)
//	mux.Handle("/dl/", srv)
//	link, _ := srv.Issue(ctx, media.Key, &links.IssueOptions{Disposition: links.Inline})
//
// # Tokens
//
// A token is base64url (no padding) of a version, the signing key's id, the
// expiry in Unix seconds, the disposition, the length-prefixed media key and
// an HMAC-SHA256 over all of them, about 110 characters for a typical key. A
// link may be bound to a member: the member's identity, length-prefixed too,
// is covered by the MAC but not written into the token, so it never shows in
// a URL, and the handler learns who is asking from Options.MemberOf. Because
// every field has its length, no token for one media and member verifies for
// another split of the same bytes.
//
// Keys rotate without breaking links in flight: add the new key as the
// current one and keep the old among SignerOptions.Previous for at least the
// longest link lifetime, then drop it.
//
// # Security
//
//   - Verification checks the MAC with hmac.Equal before it looks at the
//     expiry; a token is refused, with a typed error and never a panic, when
//     it is malformed, truncated, tampered with, made for other media, signed
//     by an unknown key, bound to another member, or expired. Tokens are
//     signed, not encrypted: the media key inside is readable.
//   - Every response carries X-Content-Type-Options: nosniff,
//     Content-Security-Policy: default-src 'none'; sandbox, and
//     Referrer-Policy: no-referrer. Successful ones carry Cache-Control:
//     private, max-age=<the seconds the link has left>; refusals and errors
//     carry Cache-Control: no-store.
//   - Content-Disposition carries the stored file name, cleaned of control,
//     bidirectional and zero-width characters and path separators, as an
//     ASCII fallback (filename) and exactly (filename*, RFC 6266 and 8187).
//   - Only types that cannot run script are served with their own type, and
//     only they may be shown inline, when the link asks for it. The inline
//     list: image/png, image/jpeg, image/gif, image/webp, image/avif,
//     image/bmp; audio/mpeg, audio/mp4, audio/m4a, audio/x-m4a, audio/aac,
//     audio/ogg, audio/opus, audio/wav, audio/x-wav, audio/webm, audio/flac,
//     audio/x-flac; video/mp4, video/webm, video/ogg, video/quicktime,
//     video/x-m4v. Everything else, HTML, SVG, XML, JavaScript and unknown
//     types above all, is an attachment of type application/octet-stream,
//     which no browser renders. PDF is not on the list: a PDF can carry
//     JavaScript and forms that some viewers run, and browsers' built-in
//     viewers refuse to run under the sandbox policy anyway.
//   - Failures are answered with the bare status text: 403 for any bad link,
//     with nothing to tell an expired link from a forged one; 404 for a blob
//     that is gone; 503 or 500 for a storage failure. No key, path or cause
//     is ever written to a response; Options.Logger gets the reason.
//   - A Range header with more than 16 ranges is ignored, so that a request
//     cannot turn into hundreds of storage reads.
//   - A pre-signed URL from the storage (Options.NativeURLs, off by default)
//     bypasses this handler: the object store sends its own headers, with
//     the safe Content-Type and Content-Disposition requested, but without
//     nosniff or the sandbox, and it cannot be bound to a member.
//
// # Errors
//
// Signer.Verify returns an *errs.Error with code errs.LinkExpired or
// errs.LinkInvalid; its Details.Reason says why, for logs. NewSigner and New
// return errs.InvalidConfig; Sign and Issue return errs.InvalidArgument,
// errs.InvalidKey, errs.Canceled, or the storage's errors for a pre-signed
// URL.
package links
