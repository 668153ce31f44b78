// The bastion web viewer. Plain DOM; user-controlled strings only ever go into textContent.

const $ = (selector) => document.querySelector(selector);

function status(text, isError = false) {
  const el = $('#status');
  el.textContent = text;
  el.className = isError ? 'status error' : 'status';
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  if (response.status === 401) {
    // Not logged in, or the session ended (expired, logged out, revoked): the login page says how.
    status('Not logged in; opening the login page.', true);
    location.assign('/login');
    throw new Error('401');
  }
  const body = response.headers.get('content-type')?.includes('application/json') ? await response.json() : null;
  if (!response.ok) {
    const message = body && body.error ? body.error : `HTTP ${response.status}`;
    status(message, true);
    throw new Error(message);
  }
  return body;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function link(td, href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  td.appendChild(a);
  return a;
}

function duration(from, to) {
  const seconds = Math.max(0, Math.round(((to ? new Date(to) : new Date()) - new Date(from)) / 1000));
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

const idFromPath = () => location.pathname.split('/').pop();

async function whoami() {
  const me = await api('/api/me');
  $('#me').textContent = `${me.identity} (${me.rights.join(', ') || 'no rights'})`;
  const logout = $('#logout');
  logout.hidden = false;
  logout.addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST', credentials: 'same-origin' });
    location.reload();
  });
  return me;
}

async function liveSessions() {
  const body = $('#sessions tbody');
  const refresh = async () => {
    const all = await api('/api/sessions?state=live');
    const pending = all.filter((s) => s.approval && s.approval.state === 'waiting');
    const sessions = all.filter((s) => !pending.includes(s));
    const requests = $('#requests tbody');
    requests.replaceChildren();
    for (const s of pending) {
      const row = document.createElement('tr');
      row.dataset.session = s.id;
      cell(row, s.identity);
      cell(row, s.target);
      cell(row, s.login);
      cell(row, s.kind + (s.command ? `: ${s.command}` : ''));
      cell(row, `${new Date(s.approval.since).toLocaleTimeString()} (${duration(s.approval.since)})`);
      cell(row, `${s.approval.approvers.length} of ${s.approval.needed} (${s.approval.from.join(', ')})`);
      link(cell(row, ''), `/sessions/${encodeURIComponent(s.id)}`, 'Open to approve');
      requests.appendChild(row);
    }
    $('#pending').hidden = pending.length === 0;
    body.replaceChildren();
    for (const s of sessions) {
      const row = document.createElement('tr');
      row.dataset.session = s.id;
      cell(row, s.identity);
      cell(row, s.target);
      cell(row, s.login);
      cell(row, s.kind + (s.command ? `: ${s.command}` : ''));
      cell(row, new Date(s.started_at).toLocaleTimeString());
      cell(row, duration(s.started_at));
      cell(row, String(s.viewers));
      link(cell(row, ''), `/sessions/${encodeURIComponent(s.id)}`, 'Watch');
      body.appendChild(row);
    }
    status(sessions.length || pending.length ? '' : 'No live sessions.');
  };
  await refresh();
  setInterval(() => refresh().catch(() => {}), 2000);
}

// A player that failed shows nothing more, so it must never look like a quiet session: the page
// says so, and (live) tells the bastion, which stops counting this watcher as watching. Any
// uncaught error on the page counts, since the player's own (a wasm trap included) surface as such.
let playerFailed = null;
window.addEventListener('error', (event) => {
  // Chromium reports a resize that took two frames as an error; nothing failed.
  if (String(event.message).startsWith('ResizeObserver loop')) return;
  playerFailed?.(event.error ?? event.message);
});
window.addEventListener('unhandledrejection', (event) => playerFailed?.(event.reason));

function player(source, options, onFailure = () => {}) {
  const el = $('#player');
  el.replaceChildren();
  const shown = $('#player-error');
  shown.hidden = true;
  let created = null;
  let failed = false;
  const fail = (error) => {
    if (failed) return;
    failed = true;
    const message = String(error?.message ?? error ?? 'unknown error').slice(0, 200);
    shown.textContent = `The player failed (${message}): it no longer shows the session. Reload the page to watch again.`;
    shown.hidden = false;
    try {
      created?.dispose();
    } catch (e) {
      // already broken: what matters is that it is said and reported
    }
    onFailure(message);
  };
  playerFailed = fail;
  try {
    created = AsciinemaPlayer.create(source, el, { fit: 'width', terminalFontSize: '14px', ...options });
    created.addEventListener('error', (event) => fail(event?.message ?? 'player error'));
  } catch (error) {
    fail(error);
  }
  return created;
}

async function liveSession(me) {
  const id = idFromPath();
  const s = await api(`/api/sessions/${encodeURIComponent(id)}`);
  $('#title').textContent = `${s.identity}: ${s.login}@${s.target}`;
  $('#meta').textContent = `${s.kind}${s.command ? ': ' + s.command : ''}, started ${new Date(s.started_at).toLocaleString()}, ${s.state}`;
  if (s.state !== 'live') {
    status('This session has ended.');
    if (s.recorded) link($('#meta'), `/recordings/${encodeURIComponent(id)}`, ' Replay it');
    return;
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const watch = () => player(
    { driver: 'websocket', url: `${scheme}://${location.host}/api/sessions/${encodeURIComponent(id)}/live`, bufferTime: 0 },
    { autoPlay: true },
    (error) => api(`/api/sessions/${encodeURIComponent(id)}/player-failed`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error }),
    }).catch(() => {}));
  const approver = Boolean(s.approval) && me.identity !== s.identity && me.roles.some((r) => s.approval.from.includes(r));
  if (s.approval) fourEyes(me, s, approver);
  if (approver && s.approval.state === 'waiting') {
    // Watching is approving, so opening the page must not do it: the approver reads the request first.
    const approve = $('#approve');
    approve.hidden = false;
    approve.addEventListener('click', () => {
      approve.hidden = true;
      watch();
    });
  } else {
    watch();
  }
  if (me.rights.includes('terminate') || me.identity === s.identity || approver) {
    const form = $('#terminate');
    form.hidden = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const reason = $('#reason').value.trim();
      if (!reason) return;
      if (!window.confirm(`End ${s.identity}'s session on ${s.target}? They will see your name and reason.`)) return;
      try {
        await api(`/api/sessions/${encodeURIComponent(id)}/terminate`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ reason }),
        });
      } catch (error) {
        return; // api() shows why
      }
      status('Session ended.');
      form.hidden = true;
    });
  }
}

// What four-eyes means for this session right now, kept up to date while the page is open.
function fourEyes(me, s, approver) {
  const id = s.id;
  const approval = $('#approval');
  approval.hidden = false;
  const decline = $('#decline');
  const show = (a) => {
    const watching = a.approvers.join(', ') || 'none';
    approval.dataset.state = a.state;
    if (a.state === 'waiting') {
      approval.textContent = approver
        ? `Four-eyes: ${s.identity} asks to run ${s.kind}${s.command ? ' "' + s.command + '"' : ''} as ${s.login} on ${s.target} and waits for ${a.needed} approver(s). Approve by watching: the session starts once enough approvers watch, and needs them watching while it runs. Watching now: ${watching}.`
        : `Four-eyes: waiting for ${a.needed} approver(s) (${a.from.join(', ')}); watching now: ${watching}.`;
    } else if (a.state === 'open') {
      approval.textContent = `Four-eyes: approved; approvers watching: ${watching}. Keep this page open: the session needs ${a.needed} watching approver(s).`;
    } else if (a.state === 'paused') {
      approval.textContent = `Four-eyes: paused, the engineer's input is held until ${a.needed} approver(s) watch; watching now: ${watching}.`;
    } else {
      approval.textContent = 'Four-eyes: the request is closed.';
    }
    decline.hidden = !(approver && a.state === 'waiting');
    if (a.state !== 'waiting') $('#approve').textContent = 'Watch live (you count as a watching approver)';
  };
  show(s.approval);
  decline.addEventListener('submit', async (event) => {
    event.preventDefault();
    const reason = $('#decline-reason').value.trim();
    if (!reason) return;
    try {
      await api(`/api/sessions/${encodeURIComponent(id)}/decline`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ reason }),
      });
    } catch (error) {
      return; // api() shows why
    }
    status('Request declined.');
    decline.hidden = true;
  });
  const timer = setInterval(async () => {
    try {
      const now = await api(`/api/sessions/${encodeURIComponent(id)}`);
      if (now.state !== 'live' || !now.approval) {
        clearInterval(timer);
        approval.textContent = 'Four-eyes: the session has ended.';
        approval.dataset.state = 'ended';
        decline.hidden = true;
        return;
      }
      show(now.approval);
    } catch (e) {
      clearInterval(timer);
    }
  }, 1000);
}

async function recordings() {
  const form = $('#filters');
  const load = async () => {
    const params = new URLSearchParams(new FormData(form));
    const list = await api(`/api/recordings?${params}`);
    const body = $('#recordings tbody');
    body.replaceChildren();
    for (const s of list) {
      const row = document.createElement('tr');
      cell(row, s.identity);
      cell(row, s.target);
      cell(row, s.login);
      cell(row, s.kind + (s.command ? `: ${s.command}` : ''));
      cell(row, new Date(s.started_at).toLocaleString());
      cell(row, s.ended_at ? new Date(s.ended_at).toLocaleString() : '');
      cell(row, s.exit_status == null ? (s.end_reason || '') : String(s.exit_status));
      if (s.recording_removed_at) cell(row, removedText(s), 'removed');
      else link(cell(row, ''), `/recordings/${encodeURIComponent(s.id)}`, 'Replay');
      body.appendChild(row);
    }
    status(list.length ? '' : 'No recordings match.');
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); load().catch(() => {}); });
  await load();
}

// A session without a terminal (header "pty": false) had its line feeds turned into CR LF by the
// engineer's own terminal (ONLCR), not by one on the target: the player is shown them so, as the
// live view is (NoTerminalOutput on the bastion). The download keeps the recording's bytes.
async function recordingAsShown(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`failed fetching the recording: HTTP ${response.status}`);
  const [header, ...events] = (await response.text()).split('\n').filter((line) => line).map((line) => JSON.parse(line));
  if (header.pty === false) {
    for (const event of events) {
      if (event[1] === 'o') event[2] = event[2].replace(/\r?\n/g, '\r\n');
    }
  }
  return [header, ...events];
}

// A recording removed by recording.retention: the session stays listed, its audit row keeps the
// digest; there is nothing left to replay or download.
function removedText(s) {
  return `removed by retention on ${new Date(s.recording_removed_at).toLocaleString()}`;
}

async function replay() {
  const id = idFromPath();
  const s = await api(`/api/sessions/${encodeURIComponent(id)}`);
  $('#title').textContent = `Replay: ${s.identity}: ${s.login}@${s.target}`;
  $('#meta').textContent = `${s.kind}${s.command ? ': ' + s.command : ''}, ${new Date(s.started_at).toLocaleString()} to ${s.ended_at ? new Date(s.ended_at).toLocaleString() : '(live)'}`;
  if (s.recording_removed_at) {
    $('#download-cast').hidden = true;
    $('#download-seal').hidden = true;
    status(`The recording was ${removedText(s)}; the audit log keeps its SHA-256.`);
    return;
  }
  const cast = `/api/recordings/${encodeURIComponent(id)}.cast`;
  $('#download-cast').href = cast;
  $('#download-seal').href = `${cast}.seal`;
  // A compressed recording: the .cast above is its plain text; the file as stored (what the seal
  // covers) is offered beside it.
  if (s.recording_format === 'asciicast-v2+zstd') {
    $('#download-original').href = `${cast}.zst`;
    $('#download-original').hidden = false;
  }
  const speed = $('#speed');
  const start = () => player({ data: () => recordingAsShown(cast) }, { speed: Number(speed.value), idleTimeLimit: 2, controls: true, autoPlay: true });
  speed.addEventListener('change', start);
  start();
}

async function audit() {
  const form = $('#filters');
  const load = async () => {
    const params = new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
    const events = await api(`/api/audit?${params}`);
    const body = $('#audit tbody');
    body.replaceChildren();
    for (const e of events.reverse()) {
      const row = document.createElement('tr');
      cell(row, new Date(e.at).toLocaleString());
      cell(row, e.count > 1 ? `${e.kind} ×${e.count}` : e.kind);
      cell(row, e.identity);
      cell(row, e.source_address);
      cell(row, e.target ? `${e.login}@${e.target}` : '');
      cell(row, e.session_id ? e.session_id.slice(0, 8) : '');
      cell(row, e.code);
      cell(row, e.detail, 'detail');
      body.appendChild(row);
    }
    status(events.length ? '' : 'No events match.');
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); load().catch(() => {}); });
  await load();
}

const pages = { index: liveSessions, session: liveSession, recordings, replay, audit };

whoami()
  .then((me) => pages[document.body.dataset.page](me))
  .catch((error) => { if (error.message !== '401') console.error(error); });
