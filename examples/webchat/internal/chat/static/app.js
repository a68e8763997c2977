// The web chat demo's page: three views of one conversation, each talking
// to the server's API as its own person. No framework and no build step.
'use strict';

const VIEWS = ['customer', 'agent', 'supervisor'];

// Types a link may show inline; everything else is offered as a download.
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/avif']);

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

function initials(name) {
  return name.split(/\s+/).map((w) => w[0] || '').join('').slice(0, 2).toUpperCase();
}

function timeOf(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function fileIcon(name) {
  return el('span', 'file-icon', extOf(name));
}

// ApiError is a refusal from the server: the library's code, message and
// details.
class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || 'Something went wrong');
    this.status = status;
    this.code = (body && body.code) || 'internal';
    this.details = (body && body.details) || {};
  }
}

async function api(view, method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/' + view + path, init);
  } catch {
    throw new ApiError(0, { code: 'unavailable', message: 'the server cannot be reached' });
  }
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// upload sends a file as multipart/form-data with XMLHttpRequest, which,
// unlike fetch, reports upload progress. The declared size comes first so
// the server can refuse a file too large before reading it.
function upload(view, path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('size', String(file.size));
    form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/' + view + path);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else reject(new ApiError(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(new ApiError(0, { code: 'unavailable', message: 'the upload failed; check your connection and try again' }));
    xhr.send(form);
  });
}

// ---- the policy panel ----

function renderPolicy(state) {
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

  const sides = document.getElementById('policy-sides');
  sides.replaceChildren();
  const names = { customer: 'Customer', agent: 'Agent', supervisor: 'Supervisor' };
  for (const side of ['customer', 'agent', 'supervisor']) {
    const p = state.policies[side];
    if (!p) continue;
    const card = el('div', 'side');
    card.dataset.side = side;
    const top = el('div', 'side-top');
    top.append(el('span', 'side-name', names[side]));
    top.append(p.enabled ? el('span', 'side-limit', 'up to ' + formatBytes(p.maxFileSize)) : el('span', 'side-off', 'attachments off'));
    card.append(top);
    if (p.enabled) {
      const exts = el('div', 'exts');
      for (const x of p.extensions) exts.append(el('span', 'ext', x));
      card.append(exts);
    }
    sides.append(card);
  }
}

// ---- one view ----

class View {
  constructor(name, root) {
    this.name = name;
    this.root = root;
    this.state = null;
    this.uploads = 0;
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
    this.q('.open-tab').href = '/?view=' + name;
    this.wire();
  }

  get me() { return this.state.me; }
  can(perm) { return this.state && this.me.permissions.includes(perm); }
  policy() { return this.state.policies[this.me.side]; }
  person(identity) { return this.state.people.find((p) => p.identity === identity); }

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
    this.text.addEventListener('input', () => { this.autosize(); this.refreshComposer(); });
    this.q('.notice-close').addEventListener('click', () => this.clearError());

    // Paste a file or a screenshot from the clipboard.
    this.root.addEventListener('paste', (e) => {
      const files = [...((e.clipboardData && e.clipboardData.files) || [])];
      if (files.length === 0) return;
      e.preventDefault();
      this.attachAll(files);
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
  }

  // ---- state and live updates ----

  async load() {
    const st = await api(this.name, 'GET', '/state');
    this.state = st;
    this.renderHead();
    this.messages.replaceChildren(...st.messages.map((m) => this.renderMessage(m)));
    this.renderDraft(st.draft);
    this.scrollDown();
    this.root.dataset.ready = 'true';
    return st;
  }

  connect(onFirstLoad) {
    let first = true;
    const es = new EventSource('/api/' + this.name + '/events');
    es.addEventListener('open', async () => {
      this.root.dataset.live = 'true';
      this.q('.live-text').textContent = 'live';
      try {
        const st = await this.load(); // (re)load: nothing is missed while disconnected
        if (first) { first = false; onFirstLoad(st); }
      } catch (err) {
        this.showError(err);
      }
    });
    es.addEventListener('error', () => {
      this.root.dataset.live = 'false';
      this.q('.live-text').textContent = 'reconnecting';
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

  onRemoved({ sid }) {
    const li = this.messages.querySelector(`[data-sid="${sid}"]`);
    if (li) li.remove();
  }

  onRole({ identity, role }) {
    if (!this.state) return;
    const p = this.person(identity);
    if (p) p.role = role;
    if (identity === this.me.identity) {
      this.load().catch((err) => this.showError(err)); // permissions follow the role
      return;
    }
    this.renderHead();
  }

  onActivity(a) {
    const list = this.q('.audit-list');
    const li = el('li', 'act ' + (a.ok ? 'ok' : 'refused'));
    li.append(el('span', 'act-mark', a.ok ? '✓' : '✕'));
    li.append(el('span', 'act-action', a.action));
    let what = a.actorName;
    if (a.file) what += ' · ' + a.file;
    if (!a.ok) what += ' — ' + a.message + ' (' + a.code + ')';
    const w = el('span', 'act-what', what);
    w.title = what;
    li.append(w);
    li.append(el('time', 'act-time', new Date(a.at).toLocaleTimeString()));
    list.prepend(li);
    while (list.children.length > 200) list.lastChild.remove();
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

    const toggle = this.q('.block-toggle');
    toggle.hidden = !(me.side === 'agent' && customer && this.can('blockMember'));
    if (!toggle.hidden) {
      const blocked = isBlocked(customer.role);
      toggle.textContent = blocked ? 'Unblock customer' : 'Block customer';
      toggle.className = 'btn block-toggle ' + (blocked ? 'btn-ghost' : 'btn-danger');
      toggle.dataset.blocked = String(blocked);
    }

    const roster = this.q('.roster');
    roster.hidden = me.side !== 'supervisor';
    if (!roster.hidden) {
      roster.replaceChildren(...this.state.people.map((p) => {
        const chip = el('span', 'person', p.name);
        chip.dataset.identity = p.identity;
        chip.append(el('span', 'role' + (isBlocked(p.role) ? ' role-blocked' : ''), isBlocked(p.role) ? 'blocked' : p.role));
        return chip;
      }));
    }
    this.q('.audit').hidden = me.side !== 'supervisor';
    this.refreshComposer();
  }

  renderMessage(m) {
    const mine = m.author === this.me.identity;
    const li = el('li', 'msg ' + (mine ? 'mine' : 'theirs'));
    li.dataset.sid = m.sid;
    li.dataset.author = m.authorView || m.author;
    const meta = el('div', 'msg-meta');
    meta.append(el('span', 'msg-author', mine ? 'You' : m.authorName));
    meta.append(el('time', '', timeOf(m.created)));
    li.append(meta);

    const bubble = el('div', 'bubble');
    const names = m.media.map((x) => x.filename).join(', ');
    const text = m.media.length > 0 && m.body === names ? '' : m.body;
    if (m.media.length > 0) bubble.classList.add('has-media');
    for (const media of m.media) bubble.append(this.renderMedia(m, media));
    if (text) bubble.append(el('div', 'msg-text', text));
    li.append(bubble);

    if (mine || this.can('deleteMessage')) {
      const del = el('button', 'msg-delete');
      del.type = 'button';
      del.title = m.media.length ? 'Delete message and its file' : 'Delete message';
      del.setAttribute('aria-label', del.title);
      del.innerHTML = ICONS.trash;
      del.addEventListener('click', () => this.remove(m.sid));
      li.append(del);
    }
    return li;
  }

  // renderMedia draws one file of a message. An image shows inline through
  // an inline link; every file opens or downloads through a fresh link
  // minted on click, since links expire.
  renderMedia(m, media) {
    const image = INLINE_IMAGES.has(media.contentType);
    const a = el('a', image ? 'media-image' : 'media-file');
    a.href = '#';
    a.dataset.media = media.sid;
    a.title = media.filename + ' · ' + formatBytes(media.size) + (image ? ' · click to open' : ' · click to download');
    if (image) {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      const img = el('img');
      img.alt = media.filename;
      a.append(img);
      this.link(m.sid, media.sid, 'inline')
        .then((link) => { img.src = link.url; })
        .catch(() => { img.alt = media.filename + ' (unavailable)'; });
    } else {
      a.append(fileIcon(media.filename));
      const t = el('span', 'file-text');
      t.append(el('span', 'file-name', media.filename));
      t.append(el('span', 'file-size', formatBytes(media.size) + ' · ' + (media.contentType || 'file')));
      a.append(t);
      const dl = el('span', 'dl');
      dl.innerHTML = ICONS.download;
      a.append(dl);
    }
    a.addEventListener('click', async (e) => {
      if (a.dataset.fresh === 'true') { delete a.dataset.fresh; return; } // the click below: let it go
      e.preventDefault();
      try {
        const link = await this.link(m.sid, media.sid, image ? 'inline' : 'attachment');
        a.href = link.url;
        a.dataset.fresh = 'true';
        a.click();
      } catch (err) {
        this.showError(err);
      }
    });
    return a;
  }

  link(messageSid, mediaSid, disposition) {
    return api(this.name, 'GET', `/messages/${messageSid}/media/${mediaSid}/link?disposition=${disposition}`);
  }

  renderDraft(draft) {
    this.state.draft = draft;
    this.chips.querySelectorAll('.chip:not(.uploading)').forEach((c) => c.remove());
    const uploading = this.chips.querySelector('.chip.uploading');
    for (const f of draft.files) {
      const chip = this.chip(f.name, f.size);
      chip.dataset.media = f.mediaSid;
      chip.title = f.name + ' · ' + f.contentType;
      const rm = chip.querySelector('.chip-remove');
      rm.addEventListener('click', () => this.detach(f.mediaSid));
      this.chips.insertBefore(chip, uploading); // in the draft's order, before files still uploading
    }
    if (this.state.mode === 'webchat' && draft.files.length > 0) this.text.value = draft.text || '';
    this.refreshComposer();
  }

  chip(name, size) {
    const li = el('li', 'chip');
    li.append(fileIcon(name));
    const t = el('span', 'chip-text');
    t.append(el('span', 'chip-name', name));
    t.append(el('span', 'chip-size', formatBytes(size)));
    li.append(t);
    const rm = el('button', 'chip-remove', '×');
    rm.type = 'button';
    rm.setAttribute('aria-label', 'Remove ' + name);
    rm.title = 'Remove';
    li.append(rm);
    return li;
  }

  refreshComposer() {
    if (!this.state) return;
    const files = this.state.draft.files.length;
    const pol = this.policy();
    const blocked = isBlocked(this.me.role);
    // A blocked member keeps the controls: the server refuses, and says why.
    const canMedia = (this.can('sendMediaMessage') || blocked) && pol && pol.enabled;
    const webchat = this.state.mode === 'webchat';
    const full = files + this.uploads >= this.state.filesPerMessage;
    this.attachBtn.disabled = !canMedia || full;
    this.attachBtn.title = !canMedia
      ? 'Your role cannot send files'
      : full ? 'Remove the attached file to attach another' : 'Attach a file';
    const textLocked = webchat && files + this.uploads > 0;
    this.text.disabled = textLocked || (!this.can('sendMessage') && !blocked);
    this.text.placeholder = textLocked ? 'A message holds text or a file: remove the file to type'
      : files > 0 ? 'Add a message (optional)' : 'Type a message';
    this.sendBtn.disabled = this.uploads > 0 || (files === 0 && this.text.value.trim() === '');
    const hint = this.q('.hint');
    if (canMedia) {
      const exts = pol.extensions;
      hint.textContent = 'Attach, drop or paste a file · up to ' + formatBytes(pol.maxFileSize) + ' · ' +
        exts.slice(0, 8).join(', ') + (exts.length > 8 ? ' and ' + (exts.length - 8) + ' more' : '');
    } else {
      hint.textContent = this.me.side === 'supervisor' ? 'Supervisors monitor the conversation and can download its files.' : '';
    }
  }

  autosize() {
    this.text.style.height = 'auto';
    this.text.style.height = Math.min(this.text.scrollHeight + 2, 120) + 'px';
  }

  scrollDown() { this.conversation.scrollTop = this.conversation.scrollHeight; }

  // ---- actions ----

  async attachAll(files) {
    for (const f of files) await this.attach(f);
  }

  async attach(file) {
    if (!this.state) return;
    this.clearError();
    try {
      await api(this.name, 'POST', '/preflight', { name: file.name, type: file.type, size: file.size });
    } catch (err) {
      this.showError(err);
      return;
    }
    const chip = this.chip(file.name, file.size);
    chip.classList.add('uploading');
    const bar = el('span', 'chip-progress');
    chip.append(bar);
    chip.querySelector('.chip-remove').hidden = true;
    this.chips.append(chip);
    this.uploads++;
    this.refreshComposer();
    try {
      const res = await upload(this.name, '/draft/files', file, (f) => { bar.style.width = Math.round(f * 100) + '%'; });
      chip.remove();
      this.uploads--;
      this.renderDraft(res.Draft);
    } catch (err) {
      chip.remove();
      this.uploads--;
      this.refreshComposer();
      this.showError(err);
    }
  }

  async detach(mediaSid) {
    try {
      const res = await api(this.name, 'DELETE', '/draft/files/' + mediaSid);
      this.renderDraft(res.Draft);
    } catch (err) {
      this.showError(err);
      this.load().catch(() => {});
    }
  }

  async send() {
    if (!this.state || this.sendBtn.disabled) return;
    const text = this.text.value;
    const files = this.state.draft.files.length;
    this.sendBtn.disabled = true;
    try {
      if (files > 0) {
        await api(this.name, 'POST', '/draft/send', { text: this.state.mode === 'webchat' ? '' : text });
        this.renderDraft({ channel: this.state.channel, text: '', files: [] });
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

  async remove(sid) {
    try {
      await api(this.name, 'DELETE', '/messages/' + sid);
      this.onRemoved({ sid });
    } catch (err) {
      this.showError(err);
    }
  }

  async toggleBlock() {
    const customer = this.state.people.find((p) => p.side === 'customer');
    const blocked = isBlocked(customer.role);
    try {
      await api(this.name, 'POST', blocked ? '/unblock' : '/block', { identity: customer.identity });
    } catch (err) {
      this.showError(err);
    }
  }

  // ---- errors ----

  showError(err) {
    const code = err.code || 'internal';
    let text = err.message ? err.message.charAt(0).toUpperCase() + err.message.slice(1) : 'Something went wrong';
    if (!/[.!?]$/.test(text)) text += '.';
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

// ---- start ----

function start() {
  const wanted = new URLSearchParams(location.search).get('view');
  const names = VIEWS.includes(wanted) ? [wanted] : VIEWS;
  const container = document.getElementById('views');
  if (names.length === 1) container.classList.add('single');
  const tpl = document.getElementById('view-template');
  let policyShown = false;
  for (const name of names) {
    const root = tpl.content.firstElementChild.cloneNode(true);
    root.dataset.view = name;
    container.append(root);
    const view = new View(name, root);
    view.connect((st) => {
      if (!policyShown) { policyShown = true; renderPolicy(st); }
    });
  }
  // A file dropped outside a conversation must not replace the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
}

start();
