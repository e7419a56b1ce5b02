// The panel's only script: state-changing calls with the CSRF header, job status polling,
// "show more" paging, and the idle sign-out warning. No third-party code, no storage.
(() => {
  const body = document.body;
  const csrf = body.dataset.csrf || '';
  const errorTexts = JSON.parse(document.getElementById('error-texts')?.textContent || '{}');

  const explain = (err) => (err && errorTexts[err.code]) || errorTexts.internal || 'Error';

  async function call(method, url, data, background) {
    const headers = { Accept: 'application/json', 'X-CSRF-Token': csrf };
    if (data !== undefined) headers['Content-Type'] = 'application/json';
    if (background) headers['X-Background'] = '1';
    const res = await fetch(url, {
      method,
      headers,
      body: data === undefined ? undefined : JSON.stringify(data),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    let json = null;
    try {
      json = await res.json();
    } catch {
      json = null;
    }
    if (res.status === 401) {
      window.location.assign('/?signin=expired');
      throw new Error('signed out');
    }
    if (!res.ok) {
      const e = new Error('request failed');
      e.code = json?.error?.code || 'internal';
      throw e;
    }
    return json;
  }
  window.panelCall = call;

  // Sign out
  for (const b of document.querySelectorAll('[data-action="signout"]')) {
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await call('POST', '/auth/signout');
      } catch {
        // even if the call failed, leave the signed-in page
      }
      window.location.assign(b.dataset.done || '/');
    });
  }

  // Copies stepper
  for (const btn of document.querySelectorAll('.stepper button')) {
    btn.addEventListener('click', () => {
      const input = btn.parentElement.querySelector('input');
      const next = Math.min(99, Math.max(1, Number(input.value || 1) + Number(btn.dataset.step)));
      input.value = String(next);
    });
  }

  // Print confirmation
  const form = document.getElementById('print-form');
  if (form) {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const start = document.getElementById('print-start');
      const error = document.getElementById('print-error');
      start.disabled = true;
      error.hidden = true;
      const f = new FormData(form);
      const payload = {
        fileId: form.dataset.fileId,
        printerId: f.get('printerId'),
        copies: Number(f.get('copies') || 1),
        sides: f.get('sides'),
        color: f.get('color'),
      };
      const ranges = String(f.get('pageRanges') || '').trim();
      if (ranges) payload.pageRanges = ranges;
      try {
        const { jobId } = await call('POST', '/api/print', payload);
        window.location.assign(`/jobs/${encodeURIComponent(jobId)}`);
      } catch (err) {
        error.textContent = explain(err);
        error.hidden = false;
        start.disabled = false;
      }
    });
  }

  // Job status
  const job = document.getElementById('job');
  if (job) {
    const order = ['queued', 'downloading', 'sending', 'printing', 'completed'];
    const status = document.getElementById('job-status');
    const cancel = document.getElementById('job-cancel');
    const jobError = document.getElementById('job-error');
    const deleted = document.getElementById('job-deleted');
    const show = (j) => {
      job.dataset.state = j.state;
      status.textContent = status.dataset[`text${j.state[0].toUpperCase()}${j.state.slice(1)}`] || j.state;
      status.className = `status ${j.state}`;
      const at = order.indexOf(j.state);
      for (const li of job.querySelectorAll('.steps li')) {
        const i = order.indexOf(li.dataset.step);
        li.className = at < 0 ? '' : i < at || j.state === 'completed' ? 'done' : i === at ? 'now' : '';
      }
      if (j.error) {
        jobError.textContent = explain(j.error);
        jobError.hidden = false;
      }
      const ended = ['completed', 'failed', 'canceled'].includes(j.state);
      cancel.hidden = ended;
      if (ended || j.state === 'printing') deleted.hidden = false;
      return ended;
    };
    const id = job.dataset.jobId;
    const poll = async () => {
      try {
        const j = await call('GET', `/api/print/${encodeURIComponent(id)}`, undefined, true);
        if (show(j)) return;
      } catch {
        // keep trying: a short network hiccup should not stop the status page
      }
      setTimeout(poll, 1000);
    };
    show({ state: job.dataset.state });
    if (!['completed', 'failed', 'canceled'].includes(job.dataset.state)) setTimeout(poll, 500);
    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      try {
        show(await call('POST', `/api/print/${encodeURIComponent(id)}/cancel`));
      } catch (err) {
        jobError.textContent = explain(err);
        jobError.hidden = false;
      }
      cancel.disabled = false;
    });
  }

  // "Show more": fetch the next page and append its rows, so the list keeps what was shown.
  document.addEventListener('click', async (ev) => {
    const more = ev.target.closest?.('a.more');
    if (!more) return;
    ev.preventDefault();
    more.classList.add('busy');
    try {
      const res = await fetch(more.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const list = document.querySelector('ul.files');
      for (const li of doc.querySelectorAll('ul.files > li')) list.appendChild(document.importNode(li, true));
      const next = doc.querySelector('a.more');
      if (next) more.replaceWith(document.importNode(next, true));
      else more.remove();
    } catch {
      window.location.assign(more.href);
    }
  });

  // Scan: upload from the panel with progress, or wait for the device on a single-use link.
  const scanForm = document.getElementById('scan-form');
  if (scanForm) {
    const texts = JSON.parse(document.getElementById('scan-texts').textContent);
    const $ = (id) => document.getElementById(id);
    const fill = (text, values) =>
      text.replace(/\{(\w+)\}/g, (w, k) => (k in values ? String(values[k]) : w));
    const progress = () => {
      $('scan-setup').hidden = true;
      $('scan-progress').hidden = false;
    };
    const done = (r) => {
      $('scan-bar').hidden = true;
      $('scan-ticket').hidden = true;
      $('scan-status').textContent = '';
      $('scan-done').textContent = fill(texts.done, { name: r.name, folder: scanForm.dataset.folderName });
      $('scan-done').hidden = false;
      $('scan-dup').hidden = !r.duplicateName;
      $('scan-again').hidden = false;
    };
    const failed = (err) => {
      $('scan-bar').hidden = true;
      $('scan-error').textContent = explain(err);
      $('scan-error').hidden = false;
      $('scan-again').hidden = false;
    };
    $('scan-file').addEventListener('change', () => {
      const file = $('scan-file').files[0];
      if (!file) return;
      const data = new FormData();
      data.append('folderId', scanForm.dataset.folderId);
      data.append('name', scanForm.elements.name.value);
      data.append('file', file);
      progress();
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/scans');
      xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (e) => {
        if (!e.lengthComputable) return;
        const percent = Math.round((e.loaded / e.total) * 100);
        $('scan-bar').value = percent;
        $('scan-status').textContent = percent < 100 ? fill(texts.uploading, { percent }) : texts.saving;
      };
      xhr.onload = () => {
        let json = null;
        try {
          json = JSON.parse(xhr.responseText);
        } catch {
          json = null;
        }
        if (xhr.status === 201) done(json);
        else failed(json?.error || { code: 'scan_failed' });
      };
      xhr.onerror = () => failed({ code: 'bad_upload' });
      $('scan-status').textContent = fill(texts.uploading, { percent: 0 });
      xhr.send(data);
    });
    $('scan-device').addEventListener('click', async () => {
      try {
        const t = await call('POST', '/api/scan-tickets', {
          folderId: scanForm.dataset.folderId,
          name: scanForm.elements.name.value,
          pages: 'many',
        });
        progress();
        $('scan-bar').hidden = true;
        $('scan-ticket').hidden = false;
        $('scan-url').textContent = t.uploadUrl;
        const poll = async () => {
          try {
            const o = await call('GET', `/api/scan-tickets/${t.ticketId}`, undefined, true);
            if (o.state === 'uploaded') return done(o);
            if (o.state === 'failed') return failed(o.error);
            $('scan-pages').textContent = o.pages ? fill(texts.pages, { n: o.pages }) : '';
          } catch (err) {
            if (err.code === 'ticket_not_found') return failed({ code: 'ticket_expired' });
          }
          setTimeout(poll, 2000);
        };
        setTimeout(poll, 2000);
      } catch (err) {
        failed(err);
        progress();
      }
    });
  }

  // Idle warning: 30 s before the server ends an idle session, offer to stay; then sign out.
  const warning = document.getElementById('idle-warning');
  if (csrf && body.dataset.deadline && warning) {
    const skew = Date.now() - Number(body.dataset.now);
    let deadline = Number(body.dataset.deadline) + skew;
    let timer = null;
    // Built once: replacing the button every second could swallow a tap on it.
    const text = document.createElement('span');
    const stay = document.createElement('button');
    stay.type = 'button';
    stay.className = 'button primary';
    stay.textContent = warning.dataset.stay;
    stay.addEventListener('click', async () => {
      const s = await call('GET', '/api/session').catch(() => null);
      if (s?.expiresAt) deadline = s.expiresAt + skew;
      warning.hidden = true;
    });
    warning.append(text, stay);
    const tick = () => {
      const left = Math.round((deadline - Date.now()) / 1000);
      if (left <= 0) {
        call('POST', '/auth/signout')
          .catch(() => undefined)
          .finally(() => window.location.assign('/?signin=expired'));
        return;
      }
      if (left <= 30) {
        text.textContent = warning.dataset.text.replace('{seconds}', String(left));
        warning.hidden = false;
      } else {
        warning.hidden = true;
      }
      timer = setTimeout(tick, 1000);
    };
    timer = setTimeout(tick, 1000);
    void timer;
  }
})();
// Admin: end a session (its token is revoked at Google).
for (const b of document.querySelectorAll('[data-end-session]')) {
  b.addEventListener('click', async () => {
    b.disabled = true;
    const csrf = document.body.dataset.csrf || '';
    const res = await fetch(`/api/admin/sessions/${b.dataset.endSession}/end`, {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (res.ok) b.closest('tr').remove();
    else b.disabled = false;
  });
}
