/* reference-auditor web pages: one small script, no framework, no build step.
 *
 * Every action calls the same /v1 API a program calls. The session cookie authenticates;
 * state-changing requests add the X-CSRF-Token header from <meta name="csrf-token">.
 * Text from documents and records is only ever put into the page with textContent, never as HTML.
 */
(function () {
  'use strict';

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.getAttribute('content') : '';

  function api(method, url, body, contentType) {
    var headers = { 'Accept': 'application/json' };
    if (method !== 'GET' && CSRF) { headers['X-CSRF-Token'] = CSRF; }
    if (contentType) { headers['Content-Type'] = contentType; }
    return fetch(url, { method: method, headers: headers, body: body, credentials: 'same-origin' })
      .then(function (response) {
        if (response.status === 401) { window.location.assign('/signin'); }
        var type = response.headers.get('Content-Type') || '';
        var parsed = type.indexOf('json') >= 0 ? response.json() : Promise.resolve(null);
        return parsed.then(function (data) { return { status: response.status, ok: response.ok, data: data }; });
      });
  }

  /* The one clear line a refused request deserves: the problem document's detail. */
  function problemText(result) {
    var p = result.data || {};
    return (p.title || ('HTTP ' + result.status)) + (p.detail ? ': ' + p.detail : '');
  }

  function show(el, text) { el.textContent = text; el.hidden = !text; }

  function humanBytes(n) {
    var units = [['GB', 1073741824], ['MB', 1048576], ['kB', 1024]];
    for (var i = 0; i < units.length; i++) {
      if (n >= units[i][1]) { return (n / units[i][1]).toFixed(1).replace(/\.0$/, '') + ' ' + units[i][0]; }
    }
    return n + ' bytes';
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function summaryText(summary) {
    if (!summary) { return ''; }
    return ['verified', 'minor', 'major', 'not_found', 'unchecked'].map(function (v) {
      return v.replace('_', ' ') + ' ' + summary[v];
    }).join(' · ');
  }

  /* ---- upload page ---- */
  function uploadPage() {
    var form = document.getElementById('upload-form');
    var input = document.getElementById('file');
    var zone = document.getElementById('dropzone');
    var status = document.getElementById('upload-status');
    var error = document.getElementById('upload-error');
    var maxBytes = parseInt(form.getAttribute('data-max-bytes'), 10);
    var busy = false;

    function send(file) {
      if (!file || busy) { return; }
      show(error, '');
      if (file.size > maxBytes) {
        show(error, 'Refused: ' + file.name + ' is ' + humanBytes(file.size) + '; the limit is ' +
          form.getAttribute('data-max-human') + '.');
        return;
      }
      busy = true;
      status.textContent = 'Uploading ' + file.name + ' (' + humanBytes(file.size) + ')…';
      var data = new FormData();
      data.append('file', file, file.name);
      api('POST', '/v1/audits', data).then(function (result) {
        busy = false;
        if (result.status === 202 && result.data && result.data.id) {
          window.location.assign('/audits/' + encodeURIComponent(result.data.id));
          return;
        }
        status.textContent = '';
        show(error, 'Refused: ' + problemText(result));
        input.value = '';
      }, function () {
        busy = false;
        status.textContent = '';
        show(error, 'The service could not be reached. Try again.');
      });
    }

    input.addEventListener('change', function () { send(input.files[0]); });
    form.addEventListener('submit', function (e) { e.preventDefault(); send(input.files[0]); });
    ['dragenter', 'dragover'].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove('over'); });
    });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) { send(e.dataTransfer.files[0]); }
    });
  }

  /* ---- one audit: live progress, then the report ---- */
  function auditPage() {
    var section = document.getElementById('audit');
    var id = section.getAttribute('data-job-id');
    var base = '/v1/audits/' + encodeURIComponent(id);
    var bar = document.getElementById('progress');
    var text = document.getElementById('progress-text');
    var error = document.getElementById('audit-error');

    function finished(job) {
      var stem = (job.filename.split(/[\\/]/).pop() || 'report').replace(/\.[^.]*$/, '') || 'report';
      [['json', 'json'], ['sarif', 'sarif'], ['text', 'txt'], ['html', 'html']].forEach(function (f) {
        var link = document.getElementById('dl-' + f[0]);
        link.setAttribute('href', base + '/report?format=' + f[0]);
        link.setAttribute('download', stem + '.' + f[1]);
      });
      document.getElementById('open-report').setAttribute('href', base + '/report?format=html');
      document.getElementById('summary').textContent = summaryText(job.summary) +
        (job.outcome ? ' — outcome: ' + job.outcome : '');
      document.getElementById('result').hidden = false;
      var frame = el('iframe', null, {
        id: 'report', title: 'Audit report for ' + job.filename, src: base + '/report?format=html',
        sandbox: 'allow-scripts'
      });
      document.getElementById('report-slot').appendChild(frame);
    }

    var STATE_TEXT = { pending: 'waiting', running: 'asking', done: 'done', failed: 'failed (some references unchecked)',
      skipped: 'not needed' };

    /* progress.sources: per-source state from the job status, shown beside the references count */
    function showSources(sources) {
      ['pubmed', 'crossref', 'retraction_watch'].forEach(function (name) {
        var row = document.querySelector('#sources tr[data-source="' + name + '"]');
        var s = sources && sources[name];
        if (!row || !s) { return; }
        row.setAttribute('data-state', s.state);
        row.querySelector('.state').textContent = (STATE_TEXT[s.state] || s.state) +
          (s.errors ? ' — ' + s.errors + ' call(s) unanswered' : '');
        row.querySelector('.requests').textContent = String(s.requests);
      });
    }

    function poll() {
      api('GET', base).then(function (result) {
        if (!result.ok) { show(error, problemText(result)); text.textContent = ''; return; }
        var job = result.data;
        document.getElementById('audit-name').textContent = job.filename;
        var total = job.progress.total, done = job.progress.done;
        bar.max = Math.max(total, 1);
        bar.value = job.status === 'succeeded' ? bar.max : done;
        var percent = total ? Math.round(100 * done / total) : (job.status === 'succeeded' ? 100 : 0);
        if (job.status === 'succeeded') { percent = 100; done = total; }
        text.textContent = done + ' of ' + total + ' references checked (' + percent + '%) — ' + job.status;
        showSources(job.progress.sources);
        if (job.status === 'succeeded') { finished(job); return; }
        if (job.status === 'failed') { show(error, 'The audit failed: ' + problemText({ status: 500, data: job.error })); return; }
        if (job.status === 'cancelled') { show(error, 'The audit was cancelled.'); return; }
        window.setTimeout(poll, 500);
      }, function () { window.setTimeout(poll, 2000); });
    }
    poll();
  }

  /* ---- past audits: newest first, paginated, filtered, deletable ---- */
  function auditsPage() {
    var form = document.getElementById('filters');
    var body = document.getElementById('audits-body');
    var status = document.getElementById('list-status');
    var error = document.getElementById('list-error');
    var newer = document.getElementById('newer');
    var older = document.getElementById('older');
    var pages = [null];  /* cursors of the pages seen so far; the last one is the current page */
    var next = null;
    var asked = parseInt(new URLSearchParams(window.location.search).get('limit') || '10', 10);
    var PAGE = asked >= 1 && asked <= 100 ? asked : 10;  /* /audits?limit=N: N a page (the API allows 1-100) */

    function query() {
      var params = new URLSearchParams({ limit: String(PAGE) });
      var st = document.getElementById('f-status').value;
      var fl = document.getElementById('f-flagged').value;
      if (st) { params.set('status', st); }
      if (fl) { params.set('flagged', fl); }
      var cursor = pages[pages.length - 1];
      if (cursor) { params.set('cursor', cursor); }
      return '/v1/audits?' + params.toString();
    }

    function row(job) {
      var tr = el('tr', null, { 'data-status': job.status });
      var name = el('td');
      name.appendChild(el('a', job.filename, { href: '/audits/' + encodeURIComponent(job.id) }));
      tr.appendChild(name);
      tr.appendChild(el('td', job.status));
      tr.appendChild(el('td', new Date(job.created_at).toLocaleString()));
      var flaggedText = job.flagged_references === null || job.flagged_references === undefined ? '' :
        ' · ' + job.flagged_references + ' flagged';
      tr.appendChild(el('td', job.summary ? summaryText(job.summary) + flaggedText + ' — ' + job.outcome :
        job.progress.done + ' / ' + job.progress.total));
      var actions = el('td');
      var active = job.status === 'queued' || job.status === 'running';
      var button = el('button', active ? 'Cancel' : 'Delete', { type: 'button', 'class': 'danger' });
      button.setAttribute('aria-label', (active ? 'Cancel ' : 'Delete ') + job.filename);
      button.addEventListener('click', function () {
        if (!window.confirm((active ? 'Cancel' : 'Delete') + ' the audit of ' + job.filename + '?')) { return; }
        api('DELETE', '/v1/audits/' + encodeURIComponent(job.id)).then(function (result) {
          if (!result.ok) { show(error, problemText(result)); return; }
          status.textContent = (active ? 'Cancelled ' : 'Deleted ') + job.filename + '.';
          load();
        });
      });
      actions.appendChild(button);
      tr.appendChild(actions);
      return tr;
    }

    function load() {
      show(error, '');
      api('GET', query()).then(function (result) {
        if (!result.ok) { show(error, problemText(result)); return; }
        body.textContent = '';
        result.data.items.forEach(function (job) { body.appendChild(row(job)); });
        if (!result.data.items.length) {
          var empty = el('tr');
          empty.appendChild(el('td', 'No audits match.', { colspan: '5' }));
          body.appendChild(empty);
        }
        next = result.data.next_cursor;
        older.disabled = !next;
        newer.disabled = pages.length <= 1;
        status.textContent = 'Page ' + pages.length + ': ' + result.data.items.length + ' audit(s).';
      });
    }

    form.addEventListener('submit', function (e) { e.preventDefault(); pages = [null]; load(); });
    older.addEventListener('click', function () { if (next) { pages.push(next); load(); } });
    newer.addEventListener('click', function () { if (pages.length > 1) { pages.pop(); load(); } });
    load();
  }

  /* ---- watches: add, pause/resume, run now, runs and their diffs, delete ---- */
  function watchesPage() {
    var form = document.getElementById('watch-form');
    var status = document.getElementById('watch-status');
    var error = document.getElementById('watch-error');
    var body = document.getElementById('watches-body');
    var runsSection = document.getElementById('runs');
    var runsBody = document.getElementById('runs-body');
    var diff = document.getElementById('diff');
    var diffTitle = document.getElementById('diff-title');
    var current = null;  /* the watch whose runs are shown */
    var timer = null;

    function button(text, label, handler, cls) {
      var b = el('button', text, { type: 'button', 'class': cls || 'secondary' });
      b.setAttribute('aria-label', label);
      b.addEventListener('click', handler);
      return b;
    }

    function showDiff(run) {
      /* the text rendering is what `auditor diff` prints: fetched as text, shown as text */
      var url = '/v1/watches/' + encodeURIComponent(run.watch_id) + '/runs/' + encodeURIComponent(run.id) +
        '/diff?format=text';
      fetch(url, { credentials: 'same-origin' }).then(function (response) {
        if (!response.ok) {
          return response.json().then(function (p) { show(error, problemText({ status: response.status, data: p })); });
        }
        return response.text().then(function (text) {
          diff.textContent = text;
          diff.hidden = false;
          diffTitle.hidden = false;
          diffTitle.textContent = 'Diff of the run scheduled for ' + new Date(run.scheduled_for).toLocaleString();
          diffTitle.focus();
        });
      });
    }

    function loadRuns(watch) {
      current = watch;
      window.clearTimeout(timer);
      api('GET', '/v1/watches/' + encodeURIComponent(watch.id) + '/runs').then(function (result) {
        if (!result.ok) { show(error, problemText(result)); return; }
        runsSection.hidden = false;
        document.getElementById('runs-title').textContent = 'Runs of ' + watch.filename;
        runsBody.textContent = '';
        var busy = false;
        result.data.items.forEach(function (run) {
          var tr = el('tr', null, { 'data-status': run.status });
          tr.appendChild(el('td', new Date(run.scheduled_for).toLocaleString()));
          tr.appendChild(el('td', run.trigger));
          tr.appendChild(el('td', run.status + (run.job_status ? ' (audit ' + run.job_status + ')' : '')));
          tr.appendChild(el('td', run.summary || ''));
          var actions = el('td');
          if (run.status === 'done') {
            actions.appendChild(button('Diff', 'Show the diff of this run', function () { showDiff(run); }));
          }
          if (run.job_id) {
            actions.appendChild(el('a', 'Open the audit', { href: '/audits/' + encodeURIComponent(run.job_id) }));
          }
          tr.appendChild(actions);
          runsBody.appendChild(tr);
          if (run.status === 'pending' || run.status === 'finalizing') { busy = true; }
        });
        if (!result.data.items.length) {
          var empty = el('tr');
          empty.appendChild(el('td', 'No runs yet.', { colspan: '5' }));
          runsBody.appendChild(empty);
        }
        if (busy) { timer = window.setTimeout(function () { loadRuns(watch); }, 700); }
      });
    }

    function row(watch) {
      var tr = el('tr', null, { 'data-paused': watch.paused ? 'true' : 'false' });
      tr.appendChild(el('td', watch.filename));
      tr.appendChild(el('td', watch.cron + ' (' + watch.timezone + ')'));
      tr.appendChild(el('td', watch.paused ? 'paused' : 'active', { 'class': 'watch-state' }));
      tr.appendChild(el('td', watch.next_run_at ? new Date(watch.next_run_at).toLocaleString() : '—'));
      var actions = el('td', null, { 'class': 'actions' });
      /* the same PATCH a program sends; the api() helper adds the CSRF header */
      actions.appendChild(button(watch.paused ? 'Resume' : 'Pause',
        (watch.paused ? 'Resume the watch of ' : 'Pause the watch of ') + watch.filename, function () {
          var body = JSON.stringify({ paused: !watch.paused });
          api('PATCH', '/v1/watches/' + encodeURIComponent(watch.id), body, 'application/json').then(function (result) {
            if (!result.ok) { show(error, problemText(result)); return; }
            status.textContent = (result.data.paused ? 'Paused' : 'Resumed') + ' the watch of ' + watch.filename + '.';
            load();
          });
        }));
      actions.appendChild(button('Run now', 'Run ' + watch.filename + ' now', function () {
        api('POST', '/v1/watches/' + encodeURIComponent(watch.id) + '/run').then(function (result) {
          if (!result.ok) { show(error, problemText(result)); return; }
          status.textContent = 'Run of ' + watch.filename + ' started.';
          loadRuns(watch);
        });
      }));
      actions.appendChild(button('Runs', 'Show the runs of ' + watch.filename, function () { loadRuns(watch); }));
      actions.appendChild(button('Delete', 'Delete the watch of ' + watch.filename, function () {
        if (!window.confirm('Delete the watch of ' + watch.filename + '?')) { return; }
        api('DELETE', '/v1/watches/' + encodeURIComponent(watch.id)).then(function (result) {
          if (!result.ok) { show(error, problemText(result)); return; }
          status.textContent = 'Deleted the watch of ' + watch.filename + '.';
          if (current && current.id === watch.id) { runsSection.hidden = true; current = null; }
          load();
        });
      }, 'danger'));
      tr.appendChild(actions);
      return tr;
    }

    function load() {
      api('GET', '/v1/watches').then(function (result) {
        if (!result.ok) { show(error, problemText(result)); return; }
        body.textContent = '';
        result.data.items.forEach(function (w) { body.appendChild(row(w)); });
        if (!result.data.items.length) {
          var empty = el('tr');
          empty.appendChild(el('td', 'No watches yet.', { colspan: '5' }));
          body.appendChild(empty);
        }
      });
    }

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      show(error, '');
      var data = new FormData(form);
      if (!data.get('webhook_url')) { data.delete('webhook_url'); }
      status.textContent = 'Adding…';
      api('POST', '/v1/watches', data).then(function (result) {
        if (result.status !== 201) { status.textContent = ''; show(error, 'Refused: ' + problemText(result)); return; }
        status.textContent = 'Watching ' + result.data.filename + '.';
        form.reset();
        load();
      });
    });
    load();
  }

  var page = document.body.getAttribute('data-page');
  if (page === 'upload') { uploadPage(); }
  if (page === 'audit') { auditPage(); }
  if (page === 'audits') { auditsPage(); }
  if (page === 'watches') { watchesPage(); }
})();
