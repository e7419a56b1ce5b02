// The panel's only script: state-changing calls with the CSRF header, job status polling,
// "show more" paging, the idle sign-out warning and the sign-out after a job. No third-party code,
// no storage.
(() => {
  const body = document.body;
  const csrf = body.dataset.csrf || '';
  const errorTexts = JSON.parse(document.getElementById('error-texts')?.textContent || '{}');

  const explain = (err) => (err && errorTexts[err.code]) || errorTexts.internal || 'Error';

  // The panel's own printer (data-printer): every sign-out returns to its start page, /?printer=ID.
  const printer = body.dataset.printer || '';
  const startUrl = (notice) => {
    const q = new URLSearchParams({ signin: notice });
    if (printer) q.set('printer', printer);
    if (document.documentElement.lang) q.set('lang', document.documentElement.lang);
    return `/?${q}`;
  };
  /** Only a path of this connector, and always with the panel's printer. */
  const ownPath = (next, fallback) => {
    const url = new URL(next || fallback, window.location.origin);
    if (url.origin !== window.location.origin) return fallback;
    if (printer && url.pathname === '/' && !url.searchParams.has('printer'))
      url.searchParams.set('printer', printer);
    return `${url.pathname}${url.search}`;
  };
  let leaving = false;
  /** Signs out (the server revokes the token) and opens the start page the server names. */
  async function signOut(notice) {
    if (leaving) return;
    leaving = true;
    let next = null;
    try {
      const res = await fetch('/auth/signout', {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ reason: notice }),
        credentials: 'same-origin',
        cache: 'no-store',
      });
      next = (await res.json())?.next;
    } catch {
      // even if the call failed, leave the signed-in page
    }
    window.location.assign(ownPath(next, startUrl(notice)));
  }

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
      window.location.assign(startUrl('expired'));
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
      await signOut('signedout');
    });
  }

  // After a print or a scan ends: "Sign out" / "Keep going", and a countdown to signing out by itself
  // (SIGN_OUT_AFTER_JOB_SECONDS, 0 = off) so a shared screen forgets the person who walked away.
  // "Keep going" stops only this countdown; the idle sign-out still applies.
  const afterJobBar = document.getElementById('after-job');
  const afterJobSeconds = Number(body.dataset.signOutAfterJob || 0);
  let afterJobStarted = false;
  function afterJob() {
    if (afterJobStarted || !afterJobBar || !csrf || !(afterJobSeconds > 0)) return;
    afterJobStarted = true;
    const endsAt = Date.now() + afterJobSeconds * 1000;
    let timer = null;
    const text = document.createElement('span');
    text.className = 'countdown';
    text.id = 'after-job-countdown';
    const out = document.createElement('button');
    out.type = 'button';
    out.className = 'button primary';
    out.id = 'after-job-signout';
    out.textContent = afterJobBar.dataset.signout;
    out.addEventListener('click', () => {
      clearTimeout(timer);
      out.disabled = true;
      signOut('signedout');
    });
    const keep = document.createElement('button');
    keep.type = 'button';
    keep.className = 'button';
    keep.id = 'after-job-keep';
    keep.textContent = afterJobBar.dataset.keep;
    keep.addEventListener('click', () => {
      clearTimeout(timer);
      afterJobBar.hidden = true;
      // A tap here is activity: the idle deadline moves on as for "Stay signed in".
      call('GET', '/api/session').catch(() => undefined);
    });
    afterJobBar.replaceChildren(text, out, keep);
    const tick = () => {
      const left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
      text.textContent = afterJobBar.dataset.text.replace('{seconds}', String(left));
      if (left <= 0) return signOut('signedout');
      timer = setTimeout(tick, 1000);
    };
    tick();
    afterJobBar.hidden = false;
  }

  // Copies stepper, kept within the printer's own limits.
  for (const btn of document.querySelectorAll('.stepper button')) {
    btn.addEventListener('click', () => {
      const input = btn.parentElement.querySelector('input');
      const min = Number(input.min || 1);
      const max = Number(input.max || 99);
      const next = Math.min(max, Math.max(min, Number(input.value || min) + Number(btn.dataset.step)));
      input.value = String(next);
    });
  }

  // The same rule as parsePageRanges (src/domain/print-options.ts): "1-3, 5", "4-"; empty is all pages.
  const pageRangesOk = (text) => {
    const parts = text.trim() === '' ? [] : text.split(/[,;]/);
    if (parts.length > 50) return false;
    return parts.every((part) => {
      const m = /^\s*(\d{1,5})\s*(?:([-–])\s*(\d{1,5})?\s*)?$/.exec(part);
      if (!m) return false;
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : m[3] === undefined ? Number.POSITIVE_INFINITY : Number(m[3]);
      return from >= 1 && to >= from;
    });
  };

  // Print confirmation: one block of options per printer; only the chosen printer's is shown and sent.
  const form = document.getElementById('print-form');
  if (form) {
    const start = document.getElementById('print-start');
    const error = document.getElementById('print-error');
    const blocks = [...form.querySelectorAll('.printer-options')];
    const shown = () => blocks.find((b) => !b.hidden);
    const choose = (printerId) => {
      for (const b of blocks) {
        const on = b.dataset.printer === printerId;
        b.hidden = !on;
        b.disabled = !on;
      }
      const block = shown();
      start.disabled = !block || block.dataset.printable === 'false';
      error.hidden = true;
    };
    for (const radio of form.querySelectorAll('input[name="printerId"]')) {
      radio.addEventListener('change', () => choose(radio.value));
    }
    // A page restored from history may have another printer checked than the one rendered.
    const checked = form.querySelector('input[name="printerId"]:checked');
    if (checked) choose(checked.value);

    /** The error line under a Pages field. */
    const errorOf = (input) => input.closest('.field').querySelector('.field-error');
    /** Shows or clears the error under a Pages field; true when the field is fine. */
    const checkPages = (input) => {
      const ok = pageRangesOk(input.value);
      errorOf(input).hidden = ok;
      input.setAttribute('aria-invalid', ok ? 'false' : 'true');
      return ok;
    };
    for (const input of form.querySelectorAll('input[name="pageRanges"]')) {
      input.addEventListener('change', () => {
        if (!checkPages(input)) errorOf(input).scrollIntoView({ block: 'nearest' });
      });
      // Once shown, the error goes away as soon as the text is right.
      input.addEventListener('input', () => {
        if (input.getAttribute('aria-invalid') === 'true') checkPages(input);
      });
    }

    /** The request body from the visible block only: what the person sees is what is sent. */
    const payloadFrom = (block) => {
      const payload = { fileId: form.dataset.fileId, printerId: block.dataset.printer };
      const finishings = [];
      for (const el of block.querySelectorAll('input[name], select[name]')) {
        if (el.type === 'checkbox') {
          if (el.checked) finishings.push(el.value);
        } else if (el.value.trim() !== '') {
          payload[el.name] = ['copies', 'numberUp'].includes(el.name) ? Number(el.value) : el.value.trim();
        }
      }
      if (block.querySelector('input[name="finishings"]')) payload.finishings = finishings;
      return payload;
    };

    const fail = (text) => {
      error.textContent = text;
      error.hidden = false;
      error.scrollIntoView({ block: 'nearest' });
    };

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const block = shown();
      if (!block || block.dataset.printable === 'false') return;
      error.hidden = true;
      const pages = block.querySelector('input[name="pageRanges"]');
      if (pages && !checkPages(pages)) {
        pages.focus({ preventScroll: true });
        errorOf(pages).scrollIntoView({ block: 'nearest' });
        return;
      }
      start.disabled = true;
      try {
        const { jobId } = await call('POST', '/api/print', payloadFrom(block));
        window.location.assign(`/jobs/${encodeURIComponent(jobId)}`);
      } catch (err) {
        if (err.code === 'bad_page_ranges' && pages) {
          checkPages(pages);
          pages.setAttribute('aria-invalid', 'true');
        }
        fail(explain(err));
        start.disabled = false;
      }
    });
  }

  // Job status: steps, pages, the printer's state, errors, Cancel and Retry, updated by polling.
  const job = document.getElementById('job');
  if (job) {
    const texts = JSON.parse(document.getElementById('job-texts')?.textContent || '{}');
    const $ = (id) => document.getElementById(id);
    const status = $('job-status');
    const cancel = $('job-cancel');
    const retry = $('job-retry');
    const another = $('job-another');
    const ENDED = ['completed', 'failed', 'canceled'];
    const fill = (text, values) =>
      text.replace(/\{(\w+)\}/g, (w, k) => (k in values ? String(values[k]) : w));
    const readable = (keyword) => {
      const words = keyword.replace(/[-_.]+/g, ' ').trim();
      return words.charAt(0).toUpperCase() + words.slice(1);
    };
    const reasonText = (r) =>
      texts.reasons?.[r] || fill(texts.reasonUnknown || '{reason}', { reason: readable(r) });

    const showSteps = (j) => {
      const list = $('job-steps');
      const convert = list.querySelector('[data-step="convert"]');
      if (convert && !j.converts) convert.remove();
      const items = [...list.children];
      const at = items.findIndex((li) => li.dataset.step === (j.state === 'completed' ? 'done' : j.step));
      items.forEach((li, i) => {
        let cls = '';
        if (at >= 0 && i < at) cls = 'done';
        else if (at >= 0 && i === at)
          cls =
            j.state === 'failed'
              ? 'failed'
              : j.state === 'canceled'
                ? 'stopped'
                : li.dataset.step === 'done'
                  ? 'done'
                  : 'now';
        li.className = cls;
        if (i === at) li.setAttribute('aria-current', 'step');
        else li.removeAttribute('aria-current');
      });
    };

    const show = (j) => {
      const ended = ENDED.includes(j.state);
      job.dataset.state = j.state;
      // Pull delivery: the device fetches the document; its texts come with the page.
      const pulled = j.delivery === 'pull';
      status.textContent =
        (j.state === 'ready' && job.dataset.textReady) ||
        (pulled && j.state === 'completed' && job.dataset.textFetched) ||
        texts.states?.[j.state] ||
        j.state;
      status.className = `status ${j.state}`;
      showSteps(j);

      const pages = $('job-pages');
      pages.hidden = !j.pagesDone;
      if (j.pagesDone)
        pages.textContent =
          j.pagesDone === 1 ? texts.pagesDone.one : fill(texts.pagesDone.other, { n: j.pagesDone });

      const reasons = (j.printerStateReasons || []).map(reasonText);
      if (reasons.length === 0 && ['stopped', 'unreachable'].includes(j.printerState))
        reasons.push(texts.printerStates[j.printerState]);
      const list = $('job-reasons');
      list.replaceChildren(
        ...reasons.map((r) => {
          const li = document.createElement('li');
          li.textContent = r;
          return li;
        }),
      );
      $('job-printer').hidden = reasons.length === 0 || (ended && j.state !== 'failed');

      const failed = j.state === 'failed';
      $('job-error').hidden = !failed;
      const failedAt = j.step === 'fetch' ? job.dataset.textFailedFetch : texts.failedAt[j.step];
      $('job-failed-at').textContent = failed && j.step ? failedAt || '' : '';
      $('job-error-text').textContent = j.error ? explain(j.error) : '';
      // The link is shown only while it works (a capability: folded away in <details>).
      $('job-pull').hidden = !j.documentUrl;
      $('job-document-url').textContent = j.documentUrl || '';
      cancel.hidden = ended;
      retry.hidden = !failed;
      another.classList.toggle('primary', !failed);
      if (ended || j.state === 'printing') $('job-deleted').hidden = false;
      if (ended) afterJob();
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
    if (!ENDED.includes(job.dataset.state)) setTimeout(poll, 500);
    else afterJob();

    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      try {
        const j = await call('POST', `/api/print/${encodeURIComponent(id)}/cancel`);
        show(j);
        // The printer had already finished: nothing could be stopped.
        $('job-too-late').hidden = j.state !== 'completed';
      } catch (err) {
        $('job-error-text').textContent = explain(err);
        $('job-failed-at').textContent = '';
        $('job-error').hidden = false;
      }
      cancel.disabled = false;
    });

    retry.addEventListener('click', async () => {
      retry.disabled = true;
      try {
        const { jobId } = await call('POST', `/api/print/${encodeURIComponent(id)}/retry`);
        window.location.assign(`/jobs/${encodeURIComponent(jobId)}`);
      } catch (err) {
        $('job-error-text').textContent = explain(err);
        $('job-failed-at').textContent = '';
        $('job-error').hidden = false;
        retry.disabled = false;
      }
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

  // The scan options (searchable, blank pages, two-sided by turning the stack, size), the same for
  // every way of scanning; and the words for a finishing step and for what finishing did.
  const scanOptions = () => {
    const form = document.getElementById('scan-form');
    const box = (name) => form?.querySelector(`[name="${name}"]`);
    const options = { quality: box('quality')?.value || 'best' };
    for (const name of ['ocr', 'removeBlankPages', 'manualDuplex'])
      options[name] = Boolean(box(name)?.checked);
    return options;
  };
  const scanStepText = (texts, p) => {
    if (!p) return texts.saving;
    if (p.step === 'ocr')
      return p.page > 0 ? texts.ocrPage.replace('{n}', p.page).replace('{m}', p.pages) : texts.ocr;
    return texts[p.step] || texts.saving;
  };
  const scanExtras = (texts, r) => {
    const lines = [];
    if (r.blankRemoved > 0) lines.push(texts.blankRemoved.replace('{n}', r.blankRemoved));
    if (r.searchable) lines.push(texts.searchable);
    const extra = document.getElementById('scan-extra');
    extra.textContent = lines.join(' ');
    extra.hidden = lines.length === 0;
  };

  // While a ticket's scan is being finished (OCR may take a while), shows each step it reports, until
  // the returned stop() is called: the request that waits for the scan says how it ended.
  const followTicket = (ticketUrl, texts) => {
    let following = true;
    const follow = async () => {
      if (!following) return;
      try {
        const o = await call('GET', ticketUrl, undefined, true);
        if (following && o.state === 'saving' && o.progress)
          document.getElementById('scan-status').textContent = scanStepText(texts, o.progress);
      } catch {
        // the waiting request says how it ended
      }
      if (following) setTimeout(follow, 700);
    };
    setTimeout(follow, 700);
    return () => {
      following = false;
    };
  };

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
      scanExtras(texts, r);
      $('scan-again').hidden = false;
      afterJob();
    };
    const failed = (err) => {
      $('scan-bar').hidden = true;
      $('scan-error').textContent = explain(err);
      $('scan-error').hidden = false;
      $('scan-again').hidden = false;
      afterJob();
    };
    $('scan-file').addEventListener('change', async () => {
      const file = $('scan-file').files[0];
      if (!file) return;
      const options = scanOptions();
      const finishing =
        options.ocr || options.removeBlankPages || options.manualDuplex || options.quality !== 'best';
      progress();
      $('scan-status').textContent = fill(texts.uploading, { percent: 0 });
      // With a scan option the file goes to a single-use ticket, whose progress ("making it
      // searchable: page 2 of 5") the panel can follow while the upload request waits; otherwise
      // straight to /api/scans.
      let ticket = null;
      if (finishing) {
        try {
          ticket = await call('POST', '/api/scan-tickets', {
            folderId: scanForm.dataset.folderId,
            name: scanForm.elements.name.value,
            pages: 'one',
            ...options,
          });
        } catch (err) {
          failed(err);
          return;
        }
      }
      const data = new FormData();
      if (!ticket) {
        data.append('folderId', scanForm.dataset.folderId);
        data.append('name', scanForm.elements.name.value);
      }
      data.append('file', file);
      let unfollow = null;
      const stopFollowing = () => unfollow?.();
      const xhr = new XMLHttpRequest();
      xhr.open('POST', ticket ? new URL(ticket.uploadUrl, window.location.href).pathname : '/api/scans');
      xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (e) => {
        if (!e.lengthComputable) return;
        const percent = Math.round((e.loaded / e.total) * 100);
        $('scan-bar').value = percent;
        $('scan-status').textContent = percent < 100 ? fill(texts.uploading, { percent }) : texts.saving;
        if (percent === 100 && ticket && !unfollow)
          unfollow = followTicket(`/api/scan-tickets/${ticket.ticketId}`, texts);
      };
      xhr.onload = async () => {
        stopFollowing();
        let json = null;
        try {
          json = JSON.parse(xhr.responseText);
        } catch {
          json = null;
        }
        if (xhr.status !== 201) return failed(json?.error || { code: 'scan_failed' });
        // The ticket's outcome adds what finishing did (blank pages removed, searchable).
        const outcome = ticket
          ? await call('GET', `/api/scan-tickets/${ticket.ticketId}`, undefined, true).catch(() => null)
          : null;
        done({ ...json, ...(outcome?.state === 'uploaded' ? outcome : {}) });
      };
      xhr.onerror = () => {
        stopFollowing();
        failed({ code: 'bad_upload' });
      };
      xhr.send(data);
    });
    $('scan-device').addEventListener('click', () =>
      scanAtDevice({ $, fill, progress, done, failed, texts }),
    );
  }

  // Scan at the printer: a single-use ticket the device uploads pages to. The panel shows pages as
  // they arrive and finishes or cancels the ticket itself; the link stays inside "details".
  async function scanAtDevice({ $, fill, progress, done, failed, texts: scanTexts }) {
    const scanForm = document.getElementById('scan-form');
    const texts = JSON.parse(document.getElementById('scan-device-texts').textContent);
    let ticket;
    try {
      ticket = await call('POST', '/api/scan-tickets', {
        folderId: scanForm.dataset.folderId,
        name: scanForm.elements.name.value,
        pages: 'many',
        ...scanOptions(),
      });
    } catch (err) {
      progress();
      failed(err);
      return;
    }
    progress();
    $('scan-bar').hidden = true;
    $('scan-ticket').hidden = false;
    $('scan-url').textContent = ticket.uploadUrl;
    const url = `/api/scan-tickets/${ticket.ticketId}`;
    let ended = false;
    const end = (show) => {
      ended = true;
      $('scan-ticket').hidden = true;
      show();
    };
    const busy = (on) => {
      $('scan-finish').disabled = on;
      $('scan-cancel').disabled = on;
    };
    const show = (o) => {
      if (ended) return;
      if (o.state === 'uploaded') return end(() => done(o));
      if (o.state === 'failed') return end(() => failed(o.error));
      if (o.state === 'canceled') return end(canceled);
      if (o.state === 'saving' && o.progress) {
        $('scan-status').textContent = scanStepText(scanTexts, o.progress);
        busy(true);
        return;
      }
      $('scan-pages').textContent = o.pages ? fill(texts.pages, { n: o.pages }) : texts.none;
      $('scan-finish').disabled = !(o.pages > 0) || o.state === 'saving';
    };
    const canceled = () => {
      $('scan-status').textContent = texts.canceled;
      $('scan-again').hidden = false;
      afterJob();
    };
    const poll = async () => {
      if (ended) return;
      try {
        show(await call('GET', url, undefined, true));
      } catch (err) {
        if (err.code === 'ticket_not_found') return end(() => failed({ code: 'ticket_expired' }));
      }
      if (!ended) setTimeout(poll, 1500);
    };
    $('scan-finish').addEventListener('click', async () => {
      busy(true);
      $('scan-status').textContent = texts.saving;
      // Finishing (OCR) may take a while: the ticket's progress is shown meanwhile.
      const unfollow = followTicket(url, scanTexts);
      try {
        const r = await call('POST', `${url}/finish`);
        unfollow();
        end(() => done(r));
      } catch (err) {
        unfollow();
        $('scan-status').textContent = '';
        if (err.code === 'no_pages') return busy(false);
        end(() => failed(err));
      }
    });
    $('scan-cancel').addEventListener('click', async () => {
      busy(true);
      try {
        await call('POST', `${url}/cancel`);
        end(canceled);
      } catch (err) {
        end(() => failed(err));
      }
    });
    setTimeout(poll, 1500);
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
        signOut('expired');
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

  // Scan now: the connector pulls the pages from the printer's own scanner; the panel follows the job
  // ("page N scanned"), can stop it, and says where the PDF was saved.
  const scanNow = document.getElementById('scan-now');
  if (scanNow) {
    const $ = (id) => document.getElementById(id);
    const texts = JSON.parse($('scan-now-texts').textContent);
    const saved = JSON.parse($('scan-texts').textContent);
    const fill = (text, values) =>
      text.replace(/\{(\w+)\}/g, (w, k) => (k in values ? String(values[k]) : w));
    const form = $('scan-form');
    const status = $('scan-status');
    let jobId = null;
    const finish = () => {
      $('scan-now-actions').hidden = true;
      $('scan-bar').hidden = true;
      $('scan-again').hidden = false;
      afterJob();
    };
    const show = (job) => {
      if (job.state === 'queued') status.textContent = texts.waiting;
      else if (job.state === 'scanning')
        status.textContent = job.pages > 0 ? fill(texts.page, { n: job.pages }) : texts.starting;
      else if (job.state === 'turn_pages')
        status.textContent = fill(texts.turn, { n: job.fronts ?? job.pages });
      else if (job.state === 'processing') status.textContent = scanStepText(saved, job.progress);
      else if (job.state === 'uploading') status.textContent = texts.saving;
      else if (job.state === 'completed') {
        status.textContent = fill(texts.page, { n: job.pages });
        $('scan-done').textContent = fill(saved.done, { name: job.name, folder: form.dataset.folderName });
        $('scan-done').hidden = false;
        $('scan-dup').hidden = !job.duplicateName;
        scanExtras(saved, { blankRemoved: job.blankRemoved, searchable: Boolean(job.finish?.ocrLanguages) });
      } else if (job.state === 'canceled') {
        status.textContent = texts.canceled;
      } else if (job.state === 'failed') {
        status.textContent = '';
        $('scan-error').textContent = explain(job.error);
        $('scan-error').hidden = false;
      }
      $('scan-now-backs').hidden = job.state !== 'turn_pages';
      const ended = ['completed', 'failed', 'canceled'].includes(job.state);
      if (ended) finish();
      return ended;
    };
    const poll = async () => {
      try {
        if (show(await call('GET', `/api/scan-jobs/${encodeURIComponent(jobId)}`, undefined, true))) return;
      } catch {
        // a short network hiccup should not stop the status
      }
      setTimeout(poll, 500);
    };
    $('scan-now-start').addEventListener('click', async () => {
      const field = (name) => scanNow.querySelector(`[name="${name}"]`);
      const body = {
        printerId: scanNow.dataset.printerId,
        folderId: form.dataset.folderId,
        name: form.elements.name.value,
        source: field('source').value,
        colorMode: field('colorMode').value,
        resolution: Number(field('resolution').value),
        ...scanOptions(),
      };
      if (field('duplex')) body.duplex = field('duplex').value === 'true';
      $('scan-now-start').disabled = true;
      $('scan-setup').hidden = true;
      $('scan-progress').hidden = false;
      $('scan-bar').hidden = true;
      $('scan-now-actions').hidden = false;
      status.textContent = texts.starting;
      try {
        jobId = (await call('POST', '/api/scan-jobs', body)).scanJobId;
        setTimeout(poll, 300);
      } catch (err) {
        show({ state: 'failed', error: err });
      }
    });
    $('scan-now-backs').addEventListener('click', async () => {
      if (!jobId) return;
      $('scan-now-backs').disabled = true;
      try {
        show(await call('POST', `/api/scan-jobs/${encodeURIComponent(jobId)}/backs`));
      } catch (err) {
        $('scan-error').textContent = explain(err);
        $('scan-error').hidden = false;
      }
      $('scan-now-backs').disabled = false;
    });
    $('scan-now-cancel').addEventListener('click', async () => {
      if (!jobId) return;
      $('scan-now-cancel').disabled = true;
      try {
        show(await call('POST', `/api/scan-jobs/${encodeURIComponent(jobId)}/cancel`));
      } catch (err) {
        $('scan-error').textContent = explain(err);
        $('scan-error').hidden = false;
      }
      $('scan-now-cancel').disabled = false;
    });
  }

  // Phone sign-in, panel side: a QR code for this session, renewed when it expires or is refused;
  // the page opens /browse as soon as the phone has confirmed.
  const pair = document.getElementById('pair');
  if (pair) {
    const status = document.getElementById('pair-status');
    let current = null;
    let started = 0;
    const get = async (method, url, data) => {
      const res = await fetch(url, {
        method,
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-Background': '1' },
        body: data === undefined ? undefined : JSON.stringify(data),
        credentials: 'same-origin',
        cache: 'no-store',
      });
      return { status: res.status, json: await res.json().catch(() => null) };
    };
    // A pairing start writes the panel's session. "Sign in with Google" writes it too (the sign-in's
    // state), and the last write wins: the sign-in waits for a start in flight, and none starts after.
    let starting = null;
    let leaving = false;
    const signin = document.getElementById('signin');
    signin?.addEventListener('click', (ev) => {
      leaving = true;
      if (!starting) return;
      ev.preventDefault();
      starting.finally(() => window.location.assign(signin.href));
    });
    const start = () => {
      if (leaving) return Promise.resolve();
      starting = begin()
        .catch(() => undefined)
        .finally(() => {
          starting = null;
        });
      return starting;
    };
    const begin = async () => {
      const { status: code, json } = await get('POST', '/api/pairing', {
        printer: pair.dataset.printer || undefined,
      });
      if (code !== 200 || !json) {
        // Already signed in (another tab) or too many starts: look again in a while.
        if (code === 403) window.location.assign('/browse');
        else setTimeout(start, 10_000);
        return;
      }
      current = json.id;
      document.getElementById('pair-qr').innerHTML = json.svg;
      document.getElementById('pair-code').textContent = json.code;
      if (started++ > 0) status.textContent = pair.dataset.renewed || '';
      pair.classList.remove('waiting');
      pair.hidden = false;
      setTimeout(poll, 1000);
    };
    const poll = async () => {
      const id = current;
      let next = 'wait';
      try {
        const { status: code, json } = await get('GET', `/api/pairing/${encodeURIComponent(id)}`);
        if (code === 404 || json?.state === 'expired' || json?.state === 'refused') next = 'renew';
        else if (json?.state === 'signed_in' || json?.state === 'confirmed') next = 'done';
      } catch {
        // a network hiccup: ask again
      }
      if (id !== current) return;
      if (next === 'done') {
        status.textContent = pair.dataset.signingIn || '';
        window.location.assign('/browse');
      } else if (next === 'renew') start();
      else setTimeout(poll, 1000);
    };
    // Right after a sign-out the panel keeps no cookie at all: the next person asks for a code.
    if (pair.dataset.auto === 'true') start();
    else {
      const show = document.getElementById('pair-show');
      pair.classList.add('waiting');
      pair.hidden = false;
      show.hidden = false;
      show.addEventListener('click', () => {
        show.hidden = true;
        start();
      });
    }
  }

  // Phone sign-in, phone side: Confirm sends the code shown; either way the phone keeps nothing.
  const confirmForm = document.getElementById('pair-confirm');
  if (confirmForm) {
    const base = `/pair/${encodeURIComponent(confirmForm.dataset.capability)}`;
    const send = async (action, data) => {
      for (const b of confirmForm.querySelectorAll('button')) b.disabled = true;
      let json = null;
      try {
        const res = await fetch(`${base}/${action}`, {
          method: 'POST',
          headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify(data),
          credentials: 'same-origin',
          cache: 'no-store',
        });
        json = await res.json().catch(() => null);
      } catch {
        json = null;
      }
      const refused = json?.error?.code?.replace(/^pairing_/, '') || 'unknown';
      window.location.assign(json?.next || `/pair/refused?reason=${encodeURIComponent(refused)}`);
    };
    confirmForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      send('confirm', { code: confirmForm.elements.code.value });
    });
    document.getElementById('pair-no').addEventListener('click', () => send('decline', {}));
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
