// The admin dashboard: polls vstream/status every second and shows totals,
// live streams (with a bitrate chart of the last minute each), recent
// denials, a drop button (DELETE vstream/streams/APP/NAME), and the
// recordings with a delete button (DELETE vstream/recordings/APP/NAME/ID).  Any field
// the module does not send (yet) shows as a dash.
'use strict';

(() => {
    const $ = (id) => document.getElementById(id);
    const { el } = vstream;
    const HISTORY = 60;            // samples (seconds) per chart
    const rows = new Map();        // "app/name" -> {tr, cells, canvas, history}

    function total(label, value, sub) {
        return el('div', { class: 'total' }, el('div', { class: 'k' }, label),
                  el('div', { class: 'v' }, value), sub ? el('div', { class: 'k' }, sub) : null);
    }

    function renderTotals(doc) {
        const t = doc.totals || {};
        $('totals').replaceChildren(
            total('Live streams', vstream.count(t.streams)),
            total('Ingest', vstream.bps(t.bitrate_in_bps), vstream.bytes(t.bytes_in) + ' received'),
            total('Viewers', vstream.count(t.viewers),
                  vstream.count(t.hls_requests) + ' HLS requests'),
            total('HLS sent', vstream.bytes(t.hls_bytes_out)),
            total('Publishes', vstream.count(t.publish_accepted) + ' / ' + vstream.count(t.publish_denied),
                  'accepted / denied'),
            total('Server up', vstream.duration(doc.uptime_s),
                  doc.workers ? doc.workers + ' workers' : null));
    }

    // The chart's scale: the smallest 1, 2 or 5 times a power of ten above v.
    function niceMax(v) {
        const p = Math.pow(10, Math.floor(Math.log10(Math.max(v, 1))));
        for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
        return 10 * p;
    }

    // A filled line chart of the bitrate history on a canvas: the samples
    // span the whole width from the first one on, under a scale line
    // labelled with its value (0 is the bottom edge).
    function drawChart(canvas, history) {
        const ratio = window.devicePixelRatio || 1;
        const w = canvas.clientWidth || 160, h = canvas.clientHeight || 36;
        if (canvas.width !== w * ratio) { canvas.width = w * ratio; canvas.height = h * ratio; }
        const g = canvas.getContext('2d');
        g.setTransform(ratio, 0, 0, ratio, 0, 0);
        g.clearRect(0, 0, w, h);
        g.fillStyle = '#f0f4f9';
        g.fillRect(0, 0, w, h);
        if (!history.length) return;
        const top = 11;                           // room for the label
        const max = niceMax(Math.max(...history) * 1.05);
        const step = w / (Math.max(history.length, 2) - 1);
        const y = (v) => h - 1 - (v / max) * (h - 1 - top);
        g.strokeStyle = '#c5d0dc';
        g.lineWidth = 1;
        g.setLineDash([3, 3]);
        g.beginPath();
        g.moveTo(0, top + 0.5);
        g.lineTo(w, top + 0.5);
        g.stroke();
        g.setLineDash([]);
        g.fillStyle = '#667485';
        g.font = '9px sans-serif';
        g.textBaseline = 'bottom';
        g.fillText(vstream.bps(max), 2, top);
        const pts = history.length > 1 ? history : [history[0], history[0]];
        g.beginPath();
        g.moveTo(0, h);
        pts.forEach((v, i) => g.lineTo(i * step, y(v)));
        g.lineTo(w, h);
        g.closePath();
        g.fillStyle = 'rgba(23, 105, 224, 0.15)';
        g.fill();
        g.beginPath();
        pts.forEach((v, i) => (i ? g.lineTo : g.moveTo).call(g, i * step, y(v)));
        g.strokeStyle = '#1769e0';
        g.lineWidth = 1.5;
        g.stroke();
        canvas.dataset.scale = String(max);
    }

    // Two clicks: the first arms the button for 3 s, the second acts.
    function armed(label, title, action) {
        const b = el('button', { class: 'danger', title }, label);
        let timer = null;
        b.addEventListener('click', async () => {
            if (!b.classList.contains('armed')) {
                b.classList.add('armed');
                b.textContent = label + '?';
                timer = setTimeout(() => { b.classList.remove('armed'); b.textContent = label; }, 3000);
                return;
            }
            clearTimeout(timer);
            b.disabled = true;
            try {
                await action();
            } catch (e) {
                b.disabled = false;
                b.classList.remove('armed');
                b.textContent = label;
                showError(label + ' failed: ' + e.message);
            }
        });
        return b;
    }

    // every 5 s: the recordings, newest first, each with a Delete button
    let recTick = 0;
    async function renderRecordings() {
        if (recTick++ % 5) return;
        let doc;
        try {
            doc = await vstream.recordings();
        } catch (e) {
            return;
        }
        const recs = (doc.recordings || []).slice().reverse();
        $('recordings').replaceChildren(...(recs.length ? recs.map((r) => {
            const key = r.app + '/' + r.name + '/' + r.id;
            return el('tr', { 'data-recording': key },
                el('td', {}, el('a', { href: '../#rec/' + key }, r.app + '/' + r.name),
                   el('span', { class: 'sub' }, r.id)),
                el('td', { class: 'num' }, vstream.time(r.started_at)),
                el('td', { class: 'num' }, vstream.duration(r.duration_s)),
                el('td', { class: 'num' }, vstream.count(r.segments)),
                el('td', { class: 'num size' }, vstream.bytes(r.bytes)),
                el('td', {}, el('span', { class: 'badge ' + (r.complete ? 'ok' : '') },
                                r.complete ? 'complete' : 'recording')),
                el('td', {}, r.complete ? armed('Delete', 'Delete the recording', async () => {
                    await vstream.removeRecording(r);
                    recTick = 0;
                    document.querySelector(`tr[data-recording="${CSS.escape(key)}"]`)?.remove();
                }) : ''));
        }) : [el('tr', { class: 'empty' }, el('td', { colspan: 7 },
                 'No recordings.'))]));
    }

    function dropButton(app, name) {
        return armed('Drop', 'Disconnect the publisher', () => vstream.drop(app, name));
    }

    function newRow(s) {
        const key = s.app + '/' + s.name;
        const cells = {};
        // data-label: the column's name, shown beside each cell when a
        // narrow screen stacks a row's cells (vstream.css)
        const td = (name, label, cls) =>
            (cells[name] = el('td', { class: cls || '', 'data-label': label }));
        const canvas = el('canvas', { class: 'spark', width: 160, height: 36 });
        const tr = el('tr', { 'data-stream': key },
            el('td', { class: 'key', 'data-label': 'Stream' }, el('a', { href: '../#' + key }, key)),
            td('publisher', 'Publisher'), td('uptime', 'Uptime', 'num'),
            el('td', { class: 'num', 'data-label': 'Bitrate in' },
               (cells.bitrate = el('span', { class: 'bitrate' })), canvas),
            td('media', 'Video / audio'), td('hls', 'HLS'), td('viewers', 'Viewers', 'num'),
            el('td', { class: 'actions' }, dropButton(s.app, s.name)));
        return { tr, cells, canvas, history: [] };
    }

    function lines(td, main, sub) {
        td.replaceChildren(main, sub ? el('span', { class: 'sub' }, sub) : '');
    }

    function hlsCell(td, h) {
        if (!h) { lines(td, el('span', { class: 'muted' }, 'no playlist'), null); return; }
        const badge = el('span', { class: 'badge ' + (h.healthy ? 'ok' : 'bad') },
                         h.healthy ? 'healthy' : 'stale');
        const parts = [];
        if (typeof h.segments === 'number') parts.push(h.segments + ' seg');
        if (typeof h.window_s === 'number') parts.push(h.window_s.toFixed(1) + ' s');
        if (typeof h.playlist_age_s === 'number') parts.push('age ' + h.playlist_age_s.toFixed(1) + ' s');
        lines(td, badge, parts.join(' · '));
        td.title = 'segments ' + vstream.bps(h.bitrate_bps) + ', target duration ' +
                   (h.target_duration_s ?? '–') + ' s, media sequence ' + (h.media_sequence ?? '–');
    }

    function renderStreams(doc) {
        const streams = (doc.streams || []).slice().sort((a, b) =>
            (a.app + '/' + a.name).localeCompare(b.app + '/' + b.name));
        const tbody = $('streams');
        const seen = new Set();
        for (const s of streams) {
            const key = s.app + '/' + s.name;
            seen.add(key);
            let row = rows.get(key);
            if (!row) { row = newRow(s); rows.set(key, row); }
            const c = row.cells, p = s.publisher || {}, v = s.viewers || {};
            lines(c.publisher, p.addr || '–', p.worker_pid ? 'worker ' + p.worker_pid : null);
            c.uptime.textContent = vstream.duration(p.uptime_s);
            c.bitrate.textContent = vstream.bps(s.bitrate_in_bps);
            lines(c.media, vstream.video(s.video), vstream.audio(s.audio));
            hlsCell(c.hls, s.hls);
            lines(c.viewers, vstream.count(v.active),
                  typeof v.playlist_requests === 'number'
                      ? vstream.count(v.playlist_requests + (v.segment_requests || 0)) + ' req · ' +
                        vstream.bytes(v.bytes_out)
                      : null);
            row.history.push(typeof s.bitrate_in_bps === 'number' ? s.bitrate_in_bps : 0);
            if (row.history.length > HISTORY) row.history.shift();
            tbody.append(row.tr);          // keeps the sorted order
            drawChart(row.canvas, row.history);
            row.canvas.title = 'peak ' + vstream.bps(Math.max(...row.history)) +
                               ' over the last ' + row.history.length + ' s; scale 0 to ' +
                               vstream.bps(Number(row.canvas.dataset.scale));
        }
        for (const [key, row] of rows) {
            if (!seen.has(key)) { row.tr.remove(); rows.delete(key); }
        }
        const empty = tbody.querySelector('tr.empty');
        if (!streams.length && !empty) {
            tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: 8 }, 'No live streams.')));
        } else if (streams.length && empty) {
            empty.remove();
        }
    }

    function renderDenied(doc) {
        const denied = doc.denied || [];
        $('denied').replaceChildren(...(denied.length ? denied.slice(0, 10).map((d) => el('tr', {},
            el('td', { class: 'num', 'data-label': 'Time' }, vstream.time(d.at)),
            el('td', { 'data-label': 'Address' }, d.addr || '–'),
            el('td', { 'data-label': 'Stream' }, (d.app || '?') + '/' + (d.stream || '?')),
            el('td', { 'data-label': 'Reason' }, el('span', { class: 'badge bad' }, d.reason || '?'))))
            : [el('tr', { class: 'empty' }, el('td', { colspan: 4 }, 'No refused publishers.'))]));
    }

    function showError(text) {
        $('error').textContent = text;
        $('error').hidden = !text;
    }

    let busy = false;
    async function refresh() {
        if (busy) return;              // a slow answer: skip a tick, do not pile up
        busy = true;
        try {
            const doc = await vstream.status();
            renderTotals(doc);
            renderStreams(doc);
            renderDenied(doc);
            renderRecordings();
            $('state').textContent = 'updated ' + vstream.time(new Date());
            $('footer').replaceChildren('nginx ' + (doc.nginx_version || '?') + ' · vstream ' +
                (doc.module_version || '?') + ' · refreshed every second from ',
                el('a', { href: vstream.api + 'status' }, 'status'), ' · ',
                el('a', { href: vstream.api + 'metrics' }, 'metrics'));
            if ($('error').dataset.api) { showError(''); delete $('error').dataset.api; }
            $('login').hidden = true;
        } catch (e) {
            $('state').textContent = e.status ? 'admin API: HTTP ' + e.status : 'admin API unreachable';
            showError('Cannot read ' + vstream.api + 'status: ' + e.message +
                      (e.status === 401 && vstream.token.get() ? ' (the token was refused)' : ''));
            $('error').dataset.api = '1';
            $('login').hidden = e.status !== 401;
        } finally {
            busy = false;
        }
    }

    $('login').addEventListener('submit', (ev) => {
        ev.preventDefault();
        vstream.token.set($('token').value.trim());
        $('token').value = '';
        refresh();
    });

    refresh();
    setInterval(refresh, 1000);
})();
