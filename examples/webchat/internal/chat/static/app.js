// The web chat demo's page: three views of one conversation, each talking
// to the server's API as its own person. No framework and no build step.
'use strict';

const VIEWS = ['customer', 'agent', 'supervisor'];

// Titles for the library's error codes, shown above the server's message.
const TITLES = {
  file_too_large: 'File too large',
  empty_file: 'Empty file',
  extension_not_allowed: 'File type not accepted',
  type_not_allowed: 'File type not accepted',
  type_mismatch: 'File content does not match its name',
  invalid_name: 'Invalid file name',
  duplicate_file: 'Already attached',
  too_many_files: 'Too many files',
  infected: 'Malware detected',
  permission_denied: 'Not allowed',
  attachments_disabled: 'Attachments are off',
  canceled: 'Refused',
  not_found: 'Not found',
  unavailable: 'Service unavailable',
};

// ACTION_WORDS says each action of the journal in words, done and refused.
const ACTION_WORDS = {
  SendMessage: ['sent', 'could not send'],
  SendMediaMessage: ['sent', 'could not send'],
  AttachFile: ['attached', 'could not attach'],
  DetachFile: ['removed from the draft', 'could not remove'],
  DownloadMedia: ['downloaded', 'could not download'],
  DeleteMessage: ['deleted', 'could not delete'],
  BlockMember: ['blocked', 'could not block'],
  UnblockMember: ['unblocked', 'could not unblock'],
  Preflight: ['checked', 'could not upload'],
};

// isBlocked reports whether a role is a blocked one: "customer:blocked",
// "customer:blocked-files", or the old plain "blocked".
function isBlocked(role) { return role === 'blocked' || /:blocked(-files)?$/.test(role || ''); }

const ICONS = {
  trash: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M10 11v6m4-6v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>',
  download: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 4v12m0 0-4-4m4 4 4-4M5 20h14" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>',
};

// ---- small helpers ----

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function formatBytes(n) {
  if (n < 1024) return n + ' B';
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const s = v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
  return s + ' ' + units[i];
}

function extOf(name) {
  const i = name.lastIndexOf('.');
  return i > 0 && i < name.length - 1 ? name.slice(i + 1, i + 5) : 'file';
}

// shortName cuts a long file name in the middle, keeping its start, the end
// of its stem and its extension: "Bank statement Nov…(final).pdf". The full
// name goes in the title and the download.
function shortName(name, max = 30) {
  const chars = [...name];
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 8 ? name.slice(dot) : '';
  const stem = [...name.slice(0, name.length - ext.length)];
  const tail = stem.slice(-7).join('') + ext;
  const head = stem.slice(0, Math.max(1, max - 1 - [...tail].length)).join('').trimEnd();
  return head + '…' + tail;
}

// pastedName names a picture pasted from the clipboard, which browsers call
// "image.png": "Pasted image 2026-11-30 05.12.03.png", in local time.
function pastedName(file, now = new Date()) {
  if (!/^image\//.test(file.type) || !/^image\.[a-z0-9]+$/i.test(file.name)) return file;
  const p = (n) => String(n).padStart(2, '0');
  const ext = file.name.slice(file.name.lastIndexOf('.'));
  const name = `Pasted image ${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ` +
    `${p(now.getHours())}.${p(now.getMinutes())}.${p(now.getSeconds())}${ext}`;
  return new File([file], name, { type: file.type, lastModified: file.lastModified });
}

function initials(name) {
  return name.split(/\s+/).map((w) => w[0] || '').join('').slice(0, 2).toUpperCase();
}

function timeOf(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function fileIcon(name) {
  const i = el('span', 'file-icon', extOf(name));
  i.setAttribute('aria-hidden', 'true');
  return i;
}

// BASE83 is BlurHash's alphabet.
const BASE83 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';

// placeholderColour is a picture's average colour, from its BlurHash (whose
// characters 2 to 5 are the DC component, an sRGB colour in base 83), as
// CSS; '' when there is none.
function placeholderColour(hash) {
  if (!hash || hash.length < 6) return '';
  let v = 0;
  for (const c of hash.slice(2, 6)) {
    const d = BASE83.indexOf(c);
    if (d < 0) return '';
    v = v * 83 + d;
  }
  return `rgb(${v >> 16}, ${(v >> 8) & 255}, ${v & 255})`;
}

// thumbnailImage is the img of a thumbnail rendition, sized to it and
// painted its average colour while it loads, so nothing moves when it
// arrives.
function thumbnailImage(r, name) {
  const img = el('img');
  img.alt = name;
  img.width = r.width;
  img.height = r.height;
  if (r.width > 0 && r.height > 0) {
    const k = Math.min(1, THUMB_BOX.width / r.width, THUMB_BOX.height / r.height);
    img.style.width = Math.round(r.width * k) + 'px';
    img.style.aspectRatio = r.width + ' / ' + r.height; // the height follows, also when max-width narrows it
  }
  img.style.background = placeholderColour(r.blurHash);
  return img;
}

// THUMB_BOX is the most a thumbnail takes in a message (app.css's
// .media-image img has the same max-height).
const THUMB_BOX = { width: 260, height: 220 };

// ApiError is a refusal from the server: the library's code, message and
// details.
class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || body || {};
    super(e.message || 'Something went wrong');
    this.status = status;
    // A proxy's 502, 503 or 504 has no JSON: the server is away, for now.
    this.code = e.code || ([502, 503, 504].includes(status) ? 'unavailable' : 'internal');
    this.details = e.details || {};
  }
}

const UNAVAILABLE = { code: 'unavailable', message: 'the server cannot be reached' };
const CANCELLED = { code: 'aborted', message: 'the upload was cancelled' };

// request is fetch with the page's error handling: a JSON answer, or an
// ApiError with the refusal's code. headers are added to the request's.
async function request(method, url, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, UNAVAILABLE);
  }
  // Read every answer to its end, a 204's empty one too: a response left
  // unread shows in the browser's network log as a cancelled request.
  const raw = await res.text().catch(() => '');
  if (res.status === 204) return null;
  let data = null;
  try { data = JSON.parse(raw); } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// api calls the demo's own small API: state, events, text messages,
// thumbnails, blocks and the journal, under /api/{view}/.
function api(view, method, path, body) {
  return request(method, '/api/' + view + path, body);
}

// The library's HTTP API (httpapi) handles everything about files: uploads
// (multipart and tus), the draft, download links, deletes and the
// preflight. Each view signs in and holds a session cookie of its own; the
// header names which of the browser's sessions a request uses (a product
// with one person per browser needs no such header).
const LIB = '/attachments/api/';
let CHANNEL = 'CHdemo'; // the state's channel replaces it on load
const VIEW_HEADER = 'X-Webchat-View';

function libURL(route) { return LIB + 'channels/' + CHANNEL + '/' + route; }

function lib(view, method, route, body) {
  return request(method, libURL(route), body, { [VIEW_HEADER]: view });
}

// TUS_THRESHOLD: files larger than this go through tus, in TUS_CHUNK
// pieces, so a dropped connection costs one chunk, not the whole file; a
// small file goes in one multipart request, which is one round trip.
const TUS_THRESHOLD = 4 << 20;
const TUS_CHUNK = 1 << 20;

// BACKOFF: an upload the network or the server broke is tried again by
// itself, after a pause drawn at random (full jitter) below a ceiling that
// doubles from base to cap, up to tries times; a tus upload resumes from
// the offset the server reports. The live connection coming back (the
// server is up again) ends a pause at once.
const BACKOFF = { base: 500, cap: 15000, tries: 12 };

function backoffDelay(attempt) {
  return Math.random() * Math.min(BACKOFF.cap, BACKOFF.base * 2 ** attempt);
}

// RECOVERABLE are the failures an upload recovers from by itself: the
// network, a server restarting or busy, a limit on uploads at once.
const RECOVERABLE = new Set(['unavailable', 'closed', 'rate_limited', 'too_many_uploads', 'upload_incomplete']);

// uploadFile sends one file to a route of the library's API ("draft/files"
// or "messages") and resolves with its JSON answer. onProgress gets the
// fraction sent; aborting signal cancels the upload, which then fails with
// the code "aborted". A file over TUS_THRESHOLD goes through tus
// (uploadTus), a smaller one as multipart/form-data (uploadMultipart).
function uploadFile(view, route, file, opts = {}) {
  return file.size > TUS_THRESHOLD ? uploadTus(view, route, file, opts) : uploadMultipart(view, route, file, opts);
}

// uploadMultipart sends a file as multipart/form-data with XMLHttpRequest,
// which, unlike fetch, reports upload progress. The declared size comes
// first so the server can refuse a file too large before reading it.
function uploadMultipart(view, route, file, { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('size', String(file.size));
    form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', libURL(route));
    xhr.setRequestHeader(VIEW_HEADER, view);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else reject(new ApiError(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(new ApiError(0, { code: 'unavailable', message: 'the upload failed; check your connection and try again' }));
    xhr.onabort = () => reject(new ApiError(0, CANCELLED));
    if (signal) {
      if (signal.aborted) { xhr.onabort(); return; }
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(form);
  });
}

// tusMetadata encodes Upload-Metadata: key and base64 of the UTF-8 value,
// pairs separated by commas.
function tusMetadata(meta) {
  const b64 = (v) => btoa(String.fromCharCode(...new TextEncoder().encode(v)));
  return Object.entries(meta).filter(([, v]) => v !== '').map(([k, v]) => k + ' ' + b64(v)).join(',');
}

// tusRequest makes one request of the tus 1.0 protocol with XMLHttpRequest
// (for the PATCH's progress) and resolves with the XMLHttpRequest, whatever
// its status; it rejects only when the network fails or signal aborts.
function tusRequest(view, method, url, headers, body, { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('Tus-Resumable', '1.0.0');
    xhr.setRequestHeader(VIEW_HEADER, view);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.responseType = 'json';
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new ApiError(0, { code: 'unavailable', message: 'the upload failed; check your connection and try again' }));
    xhr.onabort = () => reject(new ApiError(0, CANCELLED));
    if (signal) {
      if (signal.aborted) { xhr.onabort(); return; }
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(body === undefined ? null : body);
  });
}

// tusUploads remembers the tus upload of each file picked, so that Retry
// after a failure resumes it where it stopped instead of starting again.
const tusUploads = new WeakMap();

// uploadTus sends a file with tus 1.0 (core, creation, termination): POST
// creates the upload (Upload-Length and Upload-Metadata, which the server
// preflights), PATCHes send it in TUS_CHUNK pieces from Upload-Offset, and
// a cancel DELETEs it. The last PATCH's answer is the library's reply to
// the send or attach. A failure leaves the upload to resume: called again
// for the same file, it first asks the server (HEAD) how much arrived.
async function uploadTus(view, route, file, { onProgress, signal } = {}) {
  const refused = (xhr) => new ApiError(xhr.status, xhr.response);
  let url = tusUploads.get(file);
  let offset = 0;
  try {
    if (url) {
      const head = await tusRequest(view, 'HEAD', url, {}, undefined, { signal });
      if (head.status === 200) offset = Number(head.getResponseHeader('Upload-Offset'));
      else if (head.status >= 500) throw new ApiError(head.status, head.response);
      else url = null; // gone (expired, or finished): start again
    }
    if (!url) {
      const target = route === 'draft/files' ? 'draft' : 'message';
      const created = await tusRequest(view, 'POST', libURL('uploads'), {
        'Upload-Length': String(file.size),
        'Upload-Metadata': tusMetadata({ filename: file.name, filetype: file.type, target }),
      }, undefined, { signal });
      if (created.status !== 201) throw refused(created);
      url = new URL(created.getResponseHeader('Location'), location.href).pathname;
      tusUploads.set(file, url);
    }
    for (;;) {
      if (onProgress) onProgress(offset / file.size);
      const end = Math.min(offset + TUS_CHUNK, file.size);
      const patch = await tusRequest(view, 'PATCH', url, {
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
      }, file.slice(offset, end), { signal, onProgress: (n) => onProgress && onProgress((offset + n) / file.size) });
      if (patch.status === 200 && end === file.size) {
        tusUploads.delete(file);
        return patch.response; // the last PATCH answers as the upload route would
      }
      if (patch.status !== 204) {
        if (patch.status < 500) tusUploads.delete(file); // refused: a retry starts again
        throw refused(patch);
      }
      offset = Number(patch.getResponseHeader('Upload-Offset'));
    }
  } catch (err) {
    if (err.code === 'aborted' && url) {
      tusUploads.delete(file);
      tusRequest(view, 'DELETE', url, {}).catch(() => {}); // termination: the server drops the chunks
    }
    throw err;
  }
}

// ACTIVE are the states of an upload not yet over.
const ACTIVE = new Set(['queued', 'uploading', 'reconnecting']);

// RETRYABLE are the failures worth trying the same file again for: the
// network, the server, or a cancel. A refusal of the file itself is not.
const RETRYABLE = new Set(['aborted', 'unavailable', 'internal', 'canceled', 'closed']);

// ---- the policy panel ----

// renderPolicy draws the policy panel from a view's state; until a view
// has signed in and loaded, there is nothing to show, and the panel hides.
function renderPolicy(state) {
  document.getElementById('policy').hidden = false;
  const facts = document.getElementById('policy-facts');
  facts.replaceChildren();
  const fact = (label, value) => {
    const f = el('span', 'fact', label + ' ');
    f.append(el('b', '', value));
    facts.append(f);
  };
  fact('Mode', state.mode === 'conversations' ? 'Conversations (text + file)' : 'Webchat (text or file)');
  fact('Files per message', String(state.filesPerMessage));
  fact('Download links expire after', Math.round(state.linkLifetimeSeconds / 60) + ' min');
  fact('Storage', 'local disk');
  fact('Virus scan', state.virusScan || 'off');

  // One card per person, as their role stands now: a side's policy only
  // matters to a role that may send files at all.
  const sides = document.getElementById('policy-sides');
  sides.replaceChildren();
  for (const person of state.people) {
    const p = state.policies[person.side];
    const card = el('div', 'side');
    card.dataset.side = person.side;
    const top = el('div', 'side-top');
    top.append(el('span', 'side-name', person.side.charAt(0).toUpperCase() + person.side.slice(1)));
    const sends = person.permissions.includes('sendMediaMessage');
    let limit;
    if (!p || !p.enabled) limit = el('span', 'side-off', 'attachments off');
    else if (sends) limit = el('span', 'side-limit', 'up to ' + formatBytes(p.maxFileSize));
    else if (isBlocked(person.role)) limit = el('span', 'side-off', 'blocked from sending files');
    else limit = el('span', 'side-off', 'this role cannot send files');
    top.append(limit);
    card.append(top);
    if (p && p.enabled && sends) {
      const exts = el('div', 'exts');
      for (const x of p.extensions) exts.append(el('span', 'ext', x));
      card.append(exts);
    } else if (person.side === 'supervisor') {
      card.append(el('span', 'side-note', 'Monitors the conversation and downloads its files.'));
    }
    sides.append(card);
  }
}

// ---- one view ----

class View {
  constructor(name, root, onState) {
    this.name = name;
    this.root = root;
    this.onState = onState;
    this.state = null;
    this.queue = []; // uploads not yet done: {file, chip, status, abort}
    this.q = (sel) => root.querySelector(sel);
    this.messages = this.q('.messages');
    this.conversation = this.q('.conversation');
    this.text = this.q('.message-input');
    this.fileInput = this.q('.file-input');
    this.attachBtn = this.q('.attach');
    this.sendBtn = this.q('.send');
    this.chips = this.q('.chips');
    this.notice = this.q('.notice');
    this.noticeTimer = 0;
    this.events = null; // the EventSource, while signed in
    this.wakers = new Set(); // pauses of uploads waiting to try again
    this.atBottom = true; // the conversation shows its newest message
    this.conversation.addEventListener('scroll', () => {
      const c = this.conversation;
      this.atBottom = c.scrollHeight - c.scrollTop - c.clientHeight < 24;
    });
    this.q('.open-tab').href = '/?view=' + name;
    this.wire();
  }

  get me() { return this.state.me; }
  can(perm) { return this.state && this.me.permissions.includes(perm); }
  policy() { return this.state.policies[this.me.side]; }
  person(identity) { return this.state.people.find((p) => p.identity === identity); }
  get uploads() { return this.queue.filter((u) => ACTIVE.has(u.status)).length; }

  wire() {
    this.attachBtn.addEventListener('click', () => this.fileInput.click());
    this.fileInput.addEventListener('change', () => {
      const files = [...this.fileInput.files];
      this.fileInput.value = '';
      this.attachAll(files);
    });
    this.q('.composer').addEventListener('submit', (e) => { e.preventDefault(); this.send(); });
    this.text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.send(); }
    });
    // Escape cancels the newest upload in progress, from anywhere in the view.
    this.root.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      const u = [...this.queue].reverse().find((x) => ACTIVE.has(x.status));
      if (u) { e.preventDefault(); this.cancel(u); }
    });
    this.text.addEventListener('input', () => { this.autosize(); this.refreshComposer(); });
    this.q('.notice-close').addEventListener('click', () => this.clearError());

    // Paste a file or a screenshot from the clipboard.
    this.root.addEventListener('paste', (e) => {
      const files = [...((e.clipboardData && e.clipboardData.files) || [])];
      if (files.length === 0) return;
      e.preventDefault();
      this.attachAll(files.map((f) => pastedName(f)));
    });

    // Drop files onto the conversation.
    const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    let depth = 0;
    this.root.addEventListener('dragenter', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      this.root.classList.add('dragging');
    });
    this.root.addEventListener('dragover', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    });
    this.root.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) this.root.classList.remove('dragging');
    });
    this.root.addEventListener('drop', (e) => {
      depth = 0;
      this.root.classList.remove('dragging');
      if (!hasFiles(e)) return;
      e.preventDefault();
      this.attachAll([...e.dataTransfer.files]);
    });

    this.q('.block-toggle').addEventListener('click', () => this.toggleBlock());
    this.q('.banner-action').addEventListener('click', () => this.toggleBlock());
    this.q('.signin-btn').addEventListener('click', () => this.signIn());
    this.q('.signout').addEventListener('click', () => this.signOut());
    window.addEventListener('online', () => this.wake());
  }

  // ---- sign-in ----

  // start follows the conversation live, and loads it once the stream is
  // open; a view that is not signed in is refused the stream, and then
  // offers the sign-in.
  start() {
    this.openEvents();
  }

  // signIn signs the view in: the demo's chooser has no password; the
  // server sets the view's session cookie (signed, HttpOnly, expiring).
  async signIn() {
    const btn = this.q('.signin-btn');
    btn.disabled = true;
    try {
      await request('POST', '/session/' + this.name);
      this.root.dataset.signedIn = 'true';
      this.start();
      this.q('.message-input').focus();
    } catch (err) {
      this.showError(err);
    } finally {
      btn.disabled = false;
    }
  }

  async signOut() {
    try {
      await request('DELETE', '/session/' + this.name);
    } catch (err) {
      this.showError(err);
      return;
    }
    this.showSignIn();
  }

  // signedOutBy shows the sign-in when err says the view's session is
  // missing, forged or expired, and reports whether it did.
  signedOutBy(err) {
    if (!(err && err.code === 'permission_denied' && err.details && err.details.reason === 'sign_in')) return false;
    this.showSignIn(err.message);
    return true;
  }

  showSignIn(why) {
    if (this.events) { this.events.close(); this.events = null; }
    for (const u of this.queue) if (u.abort) u.abort();
    this.state = null;
    delete this.root.dataset.ready;
    this.root.dataset.signedIn = 'false';
    this.root.dataset.live = 'false';
    this.q('.live-text').textContent = 'signed out';
    this.q('.view-title').textContent = LABELS[this.name] + ' view';
    this.q('.view-sub').textContent = 'Not signed in';
    this.q('.avatar').textContent = LABELS[this.name].charAt(0);
    this.q('.signin-why').textContent = why && why !== 'sign in first' ? why.charAt(0).toUpperCase() + why.slice(1) + '.' : '';
    this.q('.signin-btn').textContent = 'Sign in as the ' + this.name;
    this.messages.replaceChildren();
    this.chips.replaceChildren();
    this.queue = [];
    this.q('.audit-list').replaceChildren();
    this.clearError();
  }

  // ---- state and live updates ----

  async load() {
    const st = await api(this.name, 'GET', '/state');
    CHANNEL = st.channel;
    this.state = st;
    this.renderHead();
    this.messages.replaceChildren(...st.messages.map((m) => this.renderMessage(m)));
    this.renderDraft(st.draft);
    if (st.me.side === 'supervisor') await this.loadJournal();
    this.scrollDown();
    this.root.dataset.signedIn = 'true';
    this.root.dataset.ready = 'true';
    this.onState(st);
    return st;
  }

  // openEvents follows the conversation live, and (re)loads it each time
  // the stream opens, so nothing is missed while it was down. The browser
  // reconnects by itself after a network error; a refusal (no session, or
  // a server shutting down) closes the stream, and the page asks why: the
  // sign-in, or another try later.
  openEvents() {
    if (this.events) this.events.close();
    const es = new EventSource('/api/' + this.name + '/events');
    this.events = es;
    es.addEventListener('open', async () => {
      this.root.dataset.live = 'true';
      this.q('.live-text').textContent = 'live';
      this.wake(); // the server is back: uploads waiting to try again go now
      try {
        await this.load(); // (re)load: nothing is missed while disconnected
      } catch (err) {
        if (!this.signedOutBy(err)) this.showError(err);
      }
    });
    es.addEventListener('error', () => {
      if (this.events !== es) return;
      this.root.dataset.live = 'false';
      this.q('.live-text').textContent = 'reconnecting';
      if (es.readyState !== EventSource.CLOSED) return;
      this.events = null;
      const again = () => setTimeout(() => {
        if (!this.events && this.root.dataset.signedIn !== 'false') this.openEvents();
      }, backoffDelay(3));
      this.load().then(again, (err) => { if (!this.signedOutBy(err)) again(); });
    });
    es.addEventListener('message', (e) => this.onMessage(JSON.parse(e.data)));
    es.addEventListener('removed', (e) => this.onRemoved(JSON.parse(e.data)));
    es.addEventListener('role', (e) => this.onRole(JSON.parse(e.data)));
    es.addEventListener('activity', (e) => this.onActivity(JSON.parse(e.data)));
  }

  onMessage(m) {
    if (!this.state) return;
    const old = this.messages.querySelector(`[data-sid="${m.sid}"]`);
    const li = this.renderMessage(m);
    if (old) old.replaceWith(li); else this.messages.append(li);
    this.scrollDown();
  }

  // onRemoved takes a deleted message away, with its pictures: its
  // thumbnails, and the lightbox if it shows one of them.
  onRemoved({ sid }) {
    const li = this.messages.querySelector(`[data-sid="${sid}"]`);
    if (li) {
      li.querySelectorAll('img').forEach((img) => img.removeAttribute('src'));
      li.remove();
    }
    const dlg = document.querySelector('.lightbox');
    if (dlg.open && dlg.dataset.message === sid && dlg.dataset.view === this.name) {
      dlg.querySelector('.lightbox-img').removeAttribute('src');
      dlg.close();
    }
  }

  onRole({ identity, role }) {
    if (!this.state) return;
    const p = this.person(identity);
    if (p) p.role = role;
    if (identity === this.me.identity) {
      // Permissions follow the role, and a refusal the old role earned is
      // no longer true.
      if (this.notice.dataset.code === 'permission_denied') this.clearError();
      this.load().catch((err) => { if (!this.signedOutBy(err)) this.showError(err); });
      return;
    }
    // Another person's permissions changed with their role: reload them.
    api(this.name, 'GET', '/state').then((st) => {
      this.state.people = st.people;
      this.renderHead();
      this.onState(this.state);
    }).catch((err) => this.showError(err));
  }

  // ---- the supervisor's audit trail ----

  async loadJournal() {
    const j = await api(this.name, 'GET', '/journal?limit=100');
    this.q('.audit-list').replaceChildren(...j.entries.map((e) => this.renderEntry(e)));
  }

  onActivity(e) {
    const list = this.q('.audit-list');
    list.prepend(this.renderEntry(e));
    while (list.children.length > 200) list.lastChild.remove();
  }

  // renderEntry draws one journal entry as a sentence: who did what to
  // what ("Casey Morgan attached damaged-parcel.png"), or what they were
  // refused and why ("Casey Morgan could not upload setup.exe: checked
  // before the upload · File type not accepted"); a refusal's full text,
  // the words its member was shown, opens from a disclosure.
  renderEntry(e) {
    const li = el('li', 'act ' + (e.ok ? 'ok' : 'refused'));
    li.dataset.action = e.action;
    li.dataset.code = e.code;
    const mark = el('span', 'act-mark', e.ok ? '✓' : '✕');
    mark.setAttribute('aria-label', e.ok ? 'done' : 'refused');
    mark.setAttribute('role', 'img');
    const files = e.fileNames.join(', ');
    let what = files;
    if (e.targetName) what = e.targetName;
    else if (!files && e.messageText) what = 'a message, “' + e.messageText + '”';
    else if (!files && e.messageSid && e.messageGone) what = 'a message since deleted';
    else if (!files && e.messageSid) what = 'a message';
    const verbs = ACTION_WORDS[e.action] || [e.action, 'could not ' + e.action];
    const line = el('span', 'act-line');
    line.append(el('span', 'act-who', e.actorName + ' '), el('span', 'act-verb', e.ok ? verbs[0] : verbs[1]));
    if (what) line.append(el('span', 'act-what', ' ' + what));
    if (e.action === 'Preflight') line.append(el('span', 'act-when', ', checked before the upload'));
    line.title = e.action + (e.fileNames.length ? ': ' + files : e.messageSid ? ': ' + e.messageSid : '');
    const time = el('time', 'act-time', new Date(e.time).toLocaleTimeString());
    time.dateTime = e.time;
    if (e.ok) {
      li.append(mark, line, time);
      return li;
    }
    const details = el('details', 'act-details');
    const summary = el('summary');
    summary.append(line, el('span', 'act-code', ' · ' + (TITLES[e.code] || e.code.replace(/_/g, ' '))));
    let text = e.message || e.code;
    text = text.charAt(0).toUpperCase() + text.slice(1);
    if (!/[.!?]$/.test(text)) text += '.';
    details.append(summary, el('p', 'act-message', text));
    li.append(mark, details, time);
    return li;
  }

  // ---- drawing ----

  renderHead() {
    const me = this.me;
    const others = this.state.people.filter((p) => p.identity !== me.identity);
    const customer = this.state.people.find((p) => p.side === 'customer');
    const agent = this.state.people.find((p) => p.side === 'agent');
    const title = this.q('.view-title');
    const sub = this.q('.view-sub');
    const avatar = this.q('.avatar');
    if (me.side === 'customer') {
      title.textContent = 'Support chat';
      sub.textContent = 'You are ' + me.name + ' · with ' + (agent ? agent.name : 'an agent');
      avatar.textContent = agent ? initials(agent.name) : '?';
    } else if (me.side === 'agent') {
      title.textContent = customer ? customer.name : 'Customer';
      sub.textContent = 'Agent desktop · you are ' + me.name;
      avatar.textContent = customer ? initials(customer.name) : '?';
    } else {
      title.textContent = 'Monitoring';
      sub.textContent = 'Supervisor · you are ' + me.name + ' · ' + others.map((p) => p.name).join(', ');
      avatar.textContent = initials(me.name);
    }
    this.root.setAttribute('aria-label', title.textContent + ' (' + me.side + ' view)');
    this.conversation.setAttribute('aria-label', 'Conversation, as ' + me.name + ' sees it');

    // The agent blocks the customer, all sending or files only; whoever may
    // block may lift it (the banner's button).
    const tools = this.q('.block-tools');
    const blocked = customer && isBlocked(customer.role);
    tools.hidden = !(me.side === 'agent' && customer && this.can('blockMember') && !blocked);
    const toggle = this.q('.block-toggle');
    toggle.dataset.blocked = String(!!blocked);
    toggle.textContent = 'Block';
    this.q('.block-name').textContent = customer ? customer.name : 'the customer';

    this.renderBanner(customer);

    const roster = this.q('.roster');
    roster.hidden = me.side !== 'supervisor';
    if (!roster.hidden) {
      roster.replaceChildren(...this.state.people.map((p) => {
        const chip = el('span', 'person', p.name);
        chip.dataset.identity = p.identity;
        chip.append(el('span', 'role' + (isBlocked(p.role) ? ' role-blocked' : ''), blockWords(p.role) || p.role));
        return chip;
      }));
    }
    this.q('.audit').hidden = me.side !== 'supervisor';
    this.refreshComposer();
  }

  // renderBanner says, in the blocked member's own view, what the block
  // takes away; in the views of those who may lift it, it says who is
  // blocked and offers Unblock.
  renderBanner(customer) {
    const banner = this.q('.banner');
    const action = this.q('.banner-action');
    const me = this.me;
    const mine = isBlocked(me.role);
    const target = mine ? me : customer && isBlocked(customer.role) && this.can('blockMember') ? customer : null;
    banner.hidden = !target;
    if (!target) { delete banner.dataset.mode; return; }
    const files = /:blocked-files$/.test(target.role);
    banner.dataset.mode = files ? 'files' : 'all';
    if (mine) {
      this.q('.banner-title').textContent = files ? 'You cannot send files in this chat' : 'You cannot send messages in this chat';
      this.q('.banner-text').textContent = files
        ? 'You have been blocked from sending files. You can still send text, and read and download everything here.'
        : 'You have been blocked from sending. You can still read the conversation and download its files.';
      action.hidden = true;
    } else {
      this.q('.banner-title').textContent = target.name + ' is blocked';
      this.q('.banner-text').textContent = files ? 'from sending files; text still goes through.' : 'from sending anything.';
      action.hidden = false;
      action.textContent = 'Unblock';
      action.setAttribute('aria-label', 'Unblock ' + target.name);
      action.dataset.identity = target.identity;
    }
  }

  renderMessage(m) {
    const mine = m.author === this.me.identity;
    const li = el('li', 'msg ' + (mine ? 'mine' : 'theirs'));
    li.dataset.sid = m.sid;
    li.dataset.author = m.authorView || m.author;
    const meta = el('div', 'msg-meta');
    meta.append(el('span', 'msg-author', mine ? 'You' : m.authorName));
    meta.append(el('time', '', timeOf(m.created)));
    if (mine || this.can('deleteMessage')) {
      const del = el('button', 'msg-delete');
      del.type = 'button';
      del.title = m.media.length ? 'Delete message and its file' : 'Delete message';
      del.setAttribute('aria-label', del.title);
      del.innerHTML = ICONS.trash;
      del.addEventListener('click', () => this.confirmRemove(m, del));
      meta.append(del);
    }
    li.append(meta);

    const bubble = el('div', 'bubble');
    const names = m.media.map((x) => x.filename).join(', ');
    const text = m.media.length > 0 && m.body === names ? '' : m.body;
    if (m.media.length > 0) bubble.classList.add('has-media');
    for (const media of m.media) bubble.append(this.renderMedia(m, media));
    if (text) bubble.append(el('div', 'msg-text', text));
    li.append(bubble);
    return li;
  }

  // renderMedia draws one file of a message. A picture with a thumbnail
  // (the library's rendition, upright and stripped of EXIF and GPS; a HEIC
  // photo's is a JPEG) shows it, on its placeholder colour and box until it
  // loads, and opens the preview in the lightbox. Thumbnails are shown, not
  // downloaded: the library does not journal them. Any other file, and a
  // picture that got no rendition, is a card that downloads the original.
  renderMedia(m, media) {
    const thumb = (media.renditions || []).find((r) => r.name === 'thumbnail');
    if (!thumb) return this.fileCard(m, media, true);
    const b = el('button', 'media-image');
    b.type = 'button';
    b.dataset.media = media.sid;
    b.title = media.filename + ' · ' + formatBytes(media.size);
    b.setAttribute('aria-label', 'View picture ' + media.filename + ', ' + formatBytes(media.size));
    const img = thumbnailImage(thumb, media.filename);
    b.append(img);
    this.showRendition(img, media.sid, m.sid, () => { if (b.isConnected) b.replaceWith(this.fileCard(m, media, true)); });
    // A picture that loads below the newest message keeps it in sight.
    img.addEventListener('load', () => { if (this.atBottom) this.scrollDown(); });
    b.addEventListener('click', () => this.openLightbox(m, media, b));
    return b;
  }

  // showRendition points img at a fresh inline link to a rendition of a
  // file; fail runs when there is none, or it does not load.
  showRendition(img, mediaSid, messageSid, fail, name = 'thumbnail') {
    const q = messageSid ? '?message=' + encodeURIComponent(messageSid) : '';
    api(this.name, 'GET', `/media/${mediaSid}/renditions/${name}${q}`)
      .then((r) => { img.src = r.url; })
      .catch(fail);
    img.addEventListener('error', fail, { once: true });
  }

  // openLightbox shows a picture's preview rendition in a modal dialog:
  // focus moves into it, Escape or Close closes it and focus returns to the
  // thumbnail; Download original saves the file itself (a journalled
  // download).
  openLightbox(m, media, opener) {
    const dlg = this.root.ownerDocument.querySelector('.lightbox');
    const img = dlg.querySelector('.lightbox-img');
    const prev = (media.renditions || []).find((r) => r.name === 'preview');
    img.removeAttribute('src');
    img.alt = media.filename;
    if (prev) { img.width = prev.width; img.height = prev.height; }
    img.style.backgroundColor = placeholderColour(prev && prev.blurHash) || ''; // inside the padding only (app.css)
    this.showRendition(img, media.sid, m.sid, () => { img.alt = media.filename + ' (no preview)'; }, 'preview');
    dlg.querySelector('.lightbox-title').textContent = media.filename;
    dlg.querySelector('.lightbox-size').textContent = formatBytes(media.size);
    dlg.dataset.view = this.name;
    dlg.dataset.message = m.sid;
    dlg.querySelector('.lightbox-download').onclick = async () => {
      try {
        const link = await this.link(m.sid, media.sid, 'attachment');
        const a = el('a');
        a.href = link.url;
        a.download = media.filename;
        a.hidden = true;
        dlg.append(a);
        a.click();
        a.remove();
      } catch (err) {
        this.showError(err);
      }
    };
    dlg.onclose = () => { if (opener.isConnected) opener.focus(); };
    dlg.showModal();
    dlg.querySelector('.lightbox-close').focus();
  }

  // fileCard draws a file as a card with its icon, name, size and a download
  // arrow; a picture that cannot show inline falls back to one.
  fileCard(m, media, wire) {
    const a = el('a', 'media-file');
    a.href = '#';
    a.dataset.media = media.sid;
    a.title = media.filename + ' · ' + formatBytes(media.size);
    a.append(fileIcon(media.filename));
    const t = el('span', 'file-text');
    // Screen readers get the full name; the eye gets it cut in the middle.
    const name = el('span', 'file-name');
    const short = el('span', '', shortName(media.filename));
    short.setAttribute('aria-hidden', 'true');
    name.append(el('span', 'sr-only', 'Download ' + media.filename + ', '), short);
    t.append(name);
    t.append(el('span', 'file-size', formatBytes(media.size) + ' · ' + extOf(media.filename).toUpperCase()));
    a.append(t);
    const dl = el('span', 'dl');
    dl.innerHTML = ICONS.download;
    a.append(dl);
    this.openOnClick(a, m, media, 'attachment');
    return a;
  }

  openOnClick(a, m, media, disposition) {
    a.addEventListener('click', async (e) => {
      if (a.dataset.fresh === 'true') { delete a.dataset.fresh; return; } // the click below: let it go
      e.preventDefault();
      try {
        const link = await this.link(m.sid, media.sid, disposition);
        a.href = link.url;
        a.dataset.fresh = 'true';
        a.click();
      } catch (err) {
        this.showError(err);
      }
    });
  }

  link(messageSid, mediaSid, disposition) {
    return lib(this.name, 'GET', `messages/${messageSid}/media/${mediaSid}/link?disposition=${disposition}`);
  }

  renderDraft(draft) {
    this.state.draft = draft;
    this.chips.querySelectorAll('.chip.attached').forEach((c) => c.remove());
    const pending = this.chips.querySelector('.chip:not(.attached)');
    for (const f of draft.files) { // the state's attachments.Media ({filename}) or httpapi's MediaView ({fileName})
      const name = f.fileName ?? f.filename;
      const chip = this.chip(name, f.size);
      chip.classList.add('attached');
      chip.dataset.media = f.sid;
      if (f.contentType.startsWith('image/')) this.chipThumbnail(chip, f);
      chip.title = name + ' · ' + formatBytes(f.size);
      const rm = this.chipButton(chip, '×', 'Remove ' + name, 'chip-remove');
      rm.addEventListener('click', () => this.detach(f.sid));
      this.chips.insertBefore(chip, pending); // in the draft's order, before files still uploading
    }
    if (this.state.mode === 'webchat' && draft.files.length > 0) this.text.value = draft.text || '';
    this.refreshComposer();
  }

  chip(name, size) {
    const li = el('li', 'chip');
    li.append(fileIcon(name));
    const t = el('span', 'chip-text');
    t.append(el('span', 'chip-name', shortName(name, 60)));
    t.append(el('span', 'chip-size', formatBytes(size)));
    li.append(t);
    li.title = name;
    return li;
  }

  // chipThumbnail shows the thumbnail of a picture in the draft in place
  // of its icon, once the library has made one; without one the icon stays.
  chipThumbnail(chip, f) {
    const img = el('img', 'chip-thumb');
    img.alt = '';
    img.hidden = true;
    img.addEventListener('load', () => {
      img.hidden = false;
      const icon = chip.querySelector('.file-icon');
      if (icon) icon.remove();
    }, { once: true });
    chip.prepend(img);
    this.showRendition(img, f.sid, '', () => img.remove());
  }

  chipButton(chip, label, aria, cls) {
    const b = el('button', 'chip-btn ' + cls, label);
    b.type = 'button';
    b.setAttribute('aria-label', aria);
    b.title = aria;
    chip.append(b);
    return b;
  }

  refreshComposer() {
    if (!this.state) return;
    const files = this.state.draft.files.length;
    const pol = this.policy();
    const canMedia = this.can('sendMediaMessage') && pol && pol.enabled;
    const webchat = this.state.mode === 'webchat';
    const busy = this.uploads;
    const full = files + busy >= this.state.filesPerMessage;
    this.fileInput.multiple = this.state.filesPerMessage > 1;
    this.attachBtn.disabled = !canMedia || full;
    const label = !canMedia ? 'You cannot send files here'
      : full ? 'This message holds all the files it can' : this.fileInput.multiple ? 'Attach files' : 'Attach a file';
    this.attachBtn.title = label;
    this.attachBtn.setAttribute('aria-label', label);
    const textLocked = webchat && files + busy > 0;
    this.text.disabled = textLocked || !this.can('sendMessage');
    this.text.placeholder = !this.can('sendMessage') ? 'You cannot send messages'
      : textLocked ? 'Remove the file to type' : files > 0 ? 'Add a message (optional)' : 'Type a message';
    this.sendBtn.disabled = busy > 0 || (files === 0 && this.text.value.trim() === '');
    const hint = this.q('.hint');
    if (textLocked) {
      hint.textContent = 'In this chat a message holds text or a file, not both.';
    } else if (canMedia) {
      const exts = pol.extensions;
      const n = this.state.filesPerMessage;
      hint.textContent = 'Attach, drop or paste ' + (n > 1 ? 'up to ' + n + ' files' : 'a file') + ' · up to ' +
        formatBytes(pol.maxFileSize) + ' each · ' + exts.slice(0, 8).join(', ') +
        (exts.length > 8 ? ' and ' + (exts.length - 8) + ' more' : '');
    } else {
      hint.textContent = this.me.side === 'supervisor' ? 'Supervisors monitor the conversation and can download its files.' : '';
    }
  }

  autosize() {
    this.text.style.height = 'auto';
    this.text.style.height = Math.min(this.text.scrollHeight + 2, 120) + 'px';
  }

  scrollDown() {
    this.conversation.scrollTop = this.conversation.scrollHeight;
    this.atBottom = true;
  }

  // ---- uploads ----

  // attachAll queues files; they upload one after another, in order, each
  // with its own chip, progress, cancel and retry.
  attachAll(files) {
    if (!this.state) return;
    this.clearError();
    for (const file of files) {
      const u = { file, status: 'queued', chip: null, abort: null };
      this.queue.push(u);
      this.drawUpload(u);
    }
    this.refreshComposer();
    this.pump();
  }

  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      let u;
      while ((u = this.queue.find((x) => x.status === 'queued'))) await this.runUpload(u);
    } finally {
      this.pumping = false;
    }
  }

  // wake ends every pause of an upload waiting to try again.
  wake() {
    for (const w of [...this.wakers]) w();
  }

  // pause waits ms, or until wake, or rejects when signal aborts.
  pause(ms, signal) {
    return new Promise((resolve, reject) => {
      let timer = 0;
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal.removeEventListener('abort', stop);
        resolve();
      };
      const stop = () => { done(); reject(new ApiError(0, CANCELLED)); };
      timer = setTimeout(done, ms);
      this.wakers.add(done);
      signal.addEventListener('abort', stop, { once: true });
    });
  }

  // runUpload preflights a file and uploads it. When the network or the
  // server breaks it, the chip says "reconnecting" and the upload tries
  // again by itself (BACKOFF), a tus upload from where it stopped.
  async runUpload(u) {
    const ctl = new AbortController();
    u.abort = () => ctl.abort();
    u.status = 'uploading';
    this.drawUpload(u, 0);
    let fraction = 0;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await lib(this.name, 'POST', 'preflight', { name: u.file.name, contentType: u.file.type, size: u.file.size });
          if (ctl.signal.aborted) throw new ApiError(0, CANCELLED);
          const res = await uploadFile(this.name, 'draft/files', u.file,
            { signal: ctl.signal, onProgress: (f) => { fraction = f; this.drawUpload(u, f); } });
          this.dropUpload(u);
          this.renderDraft(res.draft);
          return;
        } catch (err) {
          if (!RECOVERABLE.has(err.code) || attempt + 1 >= BACKOFF.tries) throw err;
          u.status = 'reconnecting';
          this.drawUpload(u, fraction);
          await this.pause(backoffDelay(attempt), ctl.signal);
          u.status = 'uploading';
          this.drawUpload(u, fraction);
        }
      }
    } catch (err) {
      err.fileName = u.file.name;
      if (this.signedOutBy(err)) return;
      if (err.code === 'duplicate_file') {
        // A try the network broke after the server had the file: it is there.
        this.dropUpload(u);
        this.load().catch(() => {});
      } else if (err.code === 'aborted') {
        u.status = 'cancelled';
        this.drawUpload(u);
      } else if (RETRYABLE.has(err.code)) {
        u.status = 'failed';
        u.error = err;
        this.drawUpload(u);
        this.showError(err);
      } else {
        this.dropUpload(u); // a refusal of the file itself: retrying cannot help
        this.showError(err);
      }
    } finally {
      u.abort = null;
      this.refreshComposer();
    }
  }

  cancel(u) {
    if ((u.status === 'uploading' || u.status === 'reconnecting') && u.abort) { u.abort(); return; }
    if (u.status === 'queued') { u.status = 'cancelled'; this.drawUpload(u); this.refreshComposer(); }
  }

  retry(u) {
    u.status = 'queued';
    this.drawUpload(u);
    this.refreshComposer();
    this.pump();
  }

  dropUpload(u) {
    this.queue = this.queue.filter((x) => x !== u);
    if (u.chip) u.chip.remove();
    this.refreshComposer();
  }

  // drawUpload (re)draws an upload's chip for its status: queued, uploading
  // with its percentage, cancelled or failed with Retry.
  drawUpload(u, fraction) {
    const name = u.file.name;
    if (!u.chip) {
      u.chip = this.chip(name, u.file.size);
      u.chip.classList.add('pending');
      const state = el('span', 'chip-state');
      u.chip.querySelector('.chip-text').append(state);
      const bar = el('span', 'chip-progress');
      bar.setAttribute('role', 'progressbar');
      bar.setAttribute('aria-label', 'Uploading ' + name);
      bar.setAttribute('aria-valuemin', '0');
      bar.setAttribute('aria-valuemax', '100');
      u.chip.append(bar);
      this.chips.append(u.chip);
    }
    const chip = u.chip;
    chip.dataset.status = u.status;
    chip.querySelectorAll('.chip-btn').forEach((b) => b.remove());
    const state = chip.querySelector('.chip-state');
    const bar = chip.querySelector('.chip-progress');
    bar.hidden = u.status !== 'uploading' && u.status !== 'reconnecting';
    if (u.status === 'reconnecting') {
      state.textContent = 'reconnecting…';
    } else if (u.status === 'uploading') {
      const pct = Math.round((fraction || 0) * 100);
      if (fraction !== undefined) {
        state.textContent = pct + '%';
        bar.style.width = pct + '%';
        bar.setAttribute('aria-valuenow', String(pct));
      }
    } else if (u.status === 'queued') {
      state.textContent = 'waiting';
    } else if (u.status === 'cancelled') {
      state.textContent = 'cancelled';
    } else if (u.status === 'failed') {
      state.textContent = 'failed';
    }
    if (ACTIVE.has(u.status)) {
      this.chipButton(chip, '×', 'Cancel upload of ' + name + ' (Escape)', 'chip-cancel')
        .addEventListener('click', () => this.cancel(u));
    } else {
      this.chipButton(chip, 'Retry', 'Retry ' + name, 'chip-retry').addEventListener('click', () => this.retry(u));
      this.chipButton(chip, '×', 'Remove ' + name, 'chip-remove').addEventListener('click', () => this.dropUpload(u));
    }
  }

  async detach(mediaSid) {
    try {
      const res = await lib(this.name, 'DELETE', 'draft/files/' + mediaSid);
      this.renderDraft(res.draft);
    } catch (err) {
      this.showError(err);
      this.load().catch(() => {});
    }
  }

  // ---- actions ----

  async send() {
    if (!this.state || this.sendBtn.disabled) return;
    const text = this.text.value;
    const files = this.state.draft.files.length;
    this.sendBtn.disabled = true;
    try {
      if (files > 0) {
        await lib(this.name, 'POST', 'draft/send', { text: this.state.mode === 'webchat' ? '' : text });
        this.renderDraft({ channel: this.state.channel, text: '', files: [] });
        for (const u of [...this.queue]) if (u.status === 'cancelled' || u.status === 'failed') this.dropUpload(u);
      } else {
        await api(this.name, 'POST', '/messages', { text });
      }
      this.text.value = '';
      this.autosize();
      this.clearError();
    } catch (err) {
      this.showError(err);
    } finally {
      this.refreshComposer();
    }
  }

  // confirmRemove asks before a message is deleted, in a modal dialog:
  // Cancel has the focus, so Enter or Escape keeps the message; Tab then
  // Enter (or a click) on Delete deletes it. The focus goes back to the
  // trash button, or to the conversation when the message is gone.
  confirmRemove(m, opener) {
    const dlg = document.querySelector('.confirm');
    const files = m.media.map((x) => x.filename);
    dlg.querySelector('.confirm-title').textContent = files.length ? 'Delete this message and its file?' : 'Delete this message?';
    dlg.querySelector('.confirm-text').textContent = (files.length ? files.join(', ') + ' will be deleted for everyone in the chat' :
      'It will be deleted for everyone in the chat') + ', and its links stop working. This cannot be undone.';
    dlg.returnValue = '';
    dlg.onclose = async () => {
      if (dlg.returnValue === 'delete') await this.remove(m.sid);
      if (opener.isConnected) opener.focus(); else this.conversation.focus();
    };
    dlg.showModal();
    dlg.querySelector('.confirm-cancel').focus();
  }

  async remove(sid) {
    try {
      await lib(this.name, 'DELETE', 'messages/' + sid);
      this.onRemoved({ sid });
    } catch (err) {
      if (!this.signedOutBy(err)) this.showError(err);
    }
  }

  async toggleBlock() {
    const customer = this.state.people.find((p) => p.side === 'customer');
    const blocked = isBlocked(customer.role);
    const body = { identity: customer.identity };
    if (!blocked) body.mode = this.q('.block-mode').value;
    try {
      await api(this.name, 'POST', blocked ? '/unblock' : '/block', body);
    } catch (err) {
      this.showError(err);
    }
  }

  // ---- errors ----

  showError(err) {
    if (this.signedOutBy(err)) return;
    const code = err.code || 'internal';
    // The library's messages start in lower case; a file name they start
    // with keeps its own case.
    let text = err.message || 'Something went wrong';
    if (!(err.fileName && text.startsWith(err.fileName))) text = text.charAt(0).toUpperCase() + text.slice(1);
    if (!/[.!?]$/.test(text)) text += '.';
    // A refusal of a file names it, unless the server's words already do.
    if (err.fileName && !text.includes(err.fileName)) text = err.fileName + ': ' + text;
    if ((code === 'extension_not_allowed' || code === 'type_not_allowed') && this.state) {
      const pol = this.policy();
      if (pol && pol.enabled) text += ' Accepted: ' + pol.extensions.join(', ') + '.';
    }
    this.q('.notice-title').textContent = TITLES[code] || 'Something went wrong';
    this.q('.notice-text').textContent = text;
    this.notice.dataset.code = code;
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => this.clearError(), 12000);
  }

  clearError() {
    clearTimeout(this.noticeTimer);
    this.notice.hidden = true;
    delete this.notice.dataset.code;
  }
}

// blockWords says a blocked role in words: "blocked from files".
function blockWords(role) {
  if (!isBlocked(role)) return '';
  return /:blocked-files$/.test(role) ? 'blocked from files' : 'blocked';
}

// ---- layout ----

// The page shows the three views side by side on a wide screen; at about
// 1024 px the customer and one of the other two, chosen by a switch; on a
// phone (≤ 480 px) one view at a time, chosen by tabs. The tabs follow the
// ARIA tabs pattern: arrow keys move between them, Enter or Space is not
// needed (selection follows focus).
const PHONE = window.matchMedia('(max-width: 480px)');
const MEDIUM = window.matchMedia('(max-width: 1279px)');
const LABELS = { customer: 'Customer', agent: 'Agent', supervisor: 'Supervisor' };

class Layout {
  constructor(container, tabs, names) {
    this.container = container;
    this.tabs = tabs;
    this.names = names;
    this.active = 'customer'; // the one view on a phone
    this.second = 'agent'; // the view beside the customer's at medium width
    PHONE.addEventListener('change', () => this.apply());
    MEDIUM.addEventListener('change', () => this.apply());
    tabs.addEventListener('keydown', (e) => this.onKey(e));
    // The views end at the bottom of the first screen, whatever the policy
    // panel and the switch above them take: app.css reads --views-top.
    const measure = () => {
      const top = container.getBoundingClientRect().top + window.scrollY + parseFloat(getComputedStyle(container).paddingTop);
      document.documentElement.style.setProperty('--views-top', Math.round(top) + 'px');
    };
    const ro = new ResizeObserver(measure);
    for (const id of ['policy', 'view-switch']) ro.observe(document.getElementById(id));
    ro.observe(document.querySelector('.topbar'));
    window.addEventListener('resize', measure);
    this.measure = measure;
  }

  mode() {
    if (this.names.length === 1) return 'single';
    return PHONE.matches ? 'phone' : MEDIUM.matches ? 'medium' : 'wide';
  }

  choose(name, focus) {
    this.active = name;
    if (name !== 'customer') this.second = name;
    this.apply();
    if (focus) this.tabs.querySelector(`[data-view="${name}"]`).focus();
  }

  onKey(e) {
    const tabs = [...this.tabs.querySelectorAll('[role="tab"]')];
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    if (j < 0) return;
    e.preventDefault();
    this.choose(tabs[j].dataset.view, true);
  }

  apply() {
    const mode = this.mode();
    this.container.dataset.layout = mode;
    const offered = mode === 'phone' ? this.names : mode === 'medium' ? this.names.filter((n) => n !== 'customer') : [];
    const selected = mode === 'phone' ? this.active : this.second;
    document.getElementById('view-switch').hidden = offered.length === 0;
    document.getElementById('view-switch-label').textContent = mode === 'medium' ? 'Beside the customer, show' : 'Show';
    this.tabs.replaceChildren(...offered.map((name) => {
      const b = el('button', 'view-tab', LABELS[name]);
      b.type = 'button';
      b.id = 'tab-' + name;
      b.dataset.view = name;
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-controls', 'view-' + name);
      b.setAttribute('aria-selected', String(name === selected));
      b.tabIndex = name === selected ? 0 : -1;
      b.addEventListener('click', () => this.choose(name, false));
      return b;
    }));
    for (const root of this.container.children) {
      const name = root.dataset.view;
      const shown = mode === 'phone' ? name === this.active
        : mode === 'medium' ? name === 'customer' || name === this.second : true;
      root.classList.toggle('off', !shown);
      if (offered.includes(name)) {
        root.setAttribute('role', 'tabpanel');
        root.setAttribute('aria-labelledby', 'tab-' + name);
      } else {
        root.setAttribute('role', 'region');
        root.removeAttribute('aria-labelledby');
      }
    }
    // The policy panel is open on a wide screen, folded on a phone.
    document.getElementById('policy').open = mode !== 'phone';
    this.measure();
  }
}

// ---- start ----

function start() {
  const wanted = new URLSearchParams(location.search).get('view');
  const names = VIEWS.includes(wanted) ? [wanted] : VIEWS;
  const container = document.getElementById('views');
  if (names.length === 1) container.classList.add('single');
  const tpl = document.getElementById('view-template');
  const layout = new Layout(container, document.getElementById('view-tabs'), names);
  const views = [];
  for (const name of names) {
    const root = tpl.content.firstElementChild.cloneNode(true);
    root.dataset.view = name;
    root.id = 'view-' + name;
    container.append(root);
    // Every view's state carries everyone's role: the latest draws the panel.
    const view = new View(name, root, (st) => renderPolicy(st));
    views.push(view);
    view.start();
  }
  layout.apply();
  // Escape cancels the newest upload even when focus has left the views
  // (the Attach button it was on turns off while a message is full).
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented || (e.target !== document.body && e.target !== document.documentElement)) return;
    for (const v of views) {
      const u = [...v.queue].reverse().find((x) => ACTIVE.has(x.status));
      if (u) { e.preventDefault(); v.cancel(u); return; }
    }
  });
  // A file dropped outside a conversation must not replace the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
}

start();
