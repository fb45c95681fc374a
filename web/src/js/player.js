// The player: lists live streams from the admin API (vstream/status) and
// plays one with hls.js.  Without the API (on AWS it is for admins only) a
// stream is chosen by name: "app/name", or the page's #app/name.
'use strict';

(() => {
    const $ = (id) => document.getElementById(id);
    const video = $('video');
    let current = null;     // {app, name, url, vod}
    let hls = null;
    let retry = null;

    function setState(text, cls) {
        $('live-badge').textContent = text;
        $('live-badge').className = 'badge ' + (cls || '');
    }

    function stop() {
        clearTimeout(retry);
        if (hls) { hls.destroy(); hls = null; }
        video.removeAttribute('src');
        video.load();
    }

    function play(app, name, hlsInfo) {
        const url = vstream.playlist(app, name, hlsInfo);
        if (current && current.url === url) return;
        stop();
        current = { app, name, url };
        $('title').textContent = app + '/' + name;
        $('name').value = app + '/' + name;
        history.replaceState(null, '', '#' + app + '/' + name);
        setState('LOADING');
        $('facts').textContent = url;      // until the API (if reachable) says more
        markCurrent();
        load();
    }

    // A recording: a VOD (or, while recorded, EVENT) playlist; seekable.
    function playRecording(r) {
        if (current && current.url === r.playlist) return;
        stop();
        current = { app: r.app, name: r.name, url: r.playlist, vod: r.id };
        $('title').textContent = r.app + '/' + r.name + ' · ' + vstream.time(r.started_at);
        history.replaceState(null, '', '#rec/' + r.app + '/' + r.name + '/' + r.id);
        setState('LOADING');
        $('facts').textContent = 'Recording ' + r.id + ' · ' + vstream.duration(r.duration_s) +
            ' · ' + vstream.bytes(r.bytes) + (r.complete ? '' : ' · still recording');
        markCurrent();
        load();
    }

    function load() {
        if (!current) return;
        const url = current.url;
        if (window.Hls && Hls.isSupported()) {
            hls = new Hls(current.vod ? { manifestLoadingMaxRetry: 2 }
                                      : { liveSyncDurationCount: 3, manifestLoadingMaxRetry: 2 });
            hls.on(Hls.Events.MANIFEST_PARSED, () => { video.play().catch(() => {}); });
            hls.on(Hls.Events.ERROR, (ev, data) => {
                if (!data.fatal) return;
                setState('OFF AIR');
                $('facts').textContent = 'Not playing (' + data.details + '); trying again in 3 s';
                hls.destroy();
                hls = null;
                retry = setTimeout(load, 3000);
            });
            hls.loadSource(url);
            hls.attachMedia(video);
        } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
            video.src = url;       // Safari plays HLS natively
            video.play().catch(() => {});
        } else {
            $('facts').textContent = 'This browser cannot play HLS (no Media Source Extensions).';
        }
    }

    video.addEventListener('playing', () =>
        (current && current.vod ? setState('RECORDING') : setState('LIVE', 'live')));
    video.addEventListener('waiting', () => setState('BUFFERING'));

    function markCurrent() {
        for (const b of document.querySelectorAll('#streams button')) {
            b.classList.toggle('current', !!current && !current.vod &&
                               b.dataset.key === current.app + '/' + current.name);
        }
        for (const b of document.querySelectorAll('#recordings button')) {
            b.classList.toggle('current', !!current && b.dataset.key === current.url);
        }
    }

    // the list beside the live streams; a recording found in the hash plays
    async function refreshRecordings() {
        let doc;
        try {
            doc = await vstream.recordings();
        } catch (e) {
            $('rec-note').textContent = 'No recordings listed (' + e.message + ').';
            return;
        }
        const recs = (doc.recordings || []).slice().reverse();     // newest first
        $('recordings').replaceChildren(...recs.map((r) => vstream.el('li', {},
            vstream.el('button', { 'data-key': r.playlist, 'data-id': r.app + '/' + r.name + '/' + r.id,
                                   onclick: () => playRecording(r) },
                vstream.el('span', {}, r.app + '/' + r.name + ' ' + vstream.time(r.started_at)),
                vstream.el('span', { class: 'muted' }, vstream.duration(r.duration_s) +
                           (r.complete ? '' : ' · rec'))))));
        $('rec-note').textContent = recs.length ? (doc.truncated ? 'Only the first ones are listed.' : '')
                                                : 'No recordings yet.';
        markCurrent();
        const m = /^#rec\/(.+)$/.exec(decodeURIComponent(location.hash));
        const want = m && recs.find((r) => r.app + '/' + r.name + '/' + r.id === m[1]);
        if (want && !current) playRecording(want);
    }

    function describe(s) {
        const parts = [vstream.video(s.video), vstream.audio(s.audio), vstream.bps(s.bitrate_in_bps) + ' in'];
        if (s.hls) {
            parts.push('HLS ' + (s.hls.healthy ? 'healthy' : 'stale') +
                       (s.hls.segments ? ', ' + s.hls.segments + ' segments' : ''));
        }
        if (s.viewers && typeof s.viewers.active === 'number') parts.push(s.viewers.active + ' watching');
        return parts.filter((p) => p && p !== '–').join(' · ');
    }

    function fromHash() {
        if (/^#rec\//.test(location.hash)) return null;
        const m = /^#([^/]+)\/(.+)$/.exec(decodeURIComponent(location.hash));
        return m ? { app: m[1], name: m[2] } : null;
    }

    async function refresh() {
        let doc;
        try {
            doc = await vstream.status();
        } catch (e) {
            const why = /^HTTP/.test(e.message) ? 'answered ' + e.message : 'is unreachable';
            $('list-note').textContent = 'No list here: the admin API ' + why +
                ' (it is for admins). Play a stream by name below.';
            $('state').textContent = '';
            if (!current) {
                const want = fromHash() || { app: 'live', name: 'demo' };
                play(want.app, want.name, null);
            }
            return;
        }
        refreshRecordings();
        const streams = (doc.streams || []).slice().sort((a, b) =>
            (a.app + '/' + a.name).localeCompare(b.app + '/' + b.name));
        const list = $('streams');
        list.replaceChildren(...streams.map((s) => vstream.el('li', {},
            vstream.el('button', {
                'data-key': s.app + '/' + s.name,
                onclick: () => play(s.app, s.name, s.hls),
            }, vstream.el('span', {}, s.app + '/' + s.name),
               vstream.el('span', { class: 'muted' }, vstream.duration(s.publisher && s.publisher.uptime_s))))));
        $('list-note').textContent = streams.length ? '' : 'Nothing is live right now.';
        $('state').textContent = streams.length + (streams.length === 1 ? ' stream live' : ' streams live');
        markCurrent();

        if (!current && streams.length && !/^#rec\//.test(location.hash)) {
            const want = fromHash();
            const s = (want && streams.find((x) => x.app === want.app && x.name === want.name)) || streams[0];
            play(s.app, s.name, s.hls);
        }
        const mine = current && streams.find((x) => x.app === current.app && x.name === current.name);
        if (mine) $('facts').textContent = describe(mine);
        else if (current && !hls && !current.vod) $('facts').textContent = 'Not live.';
    }

    $('by-name').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const m = /^\s*([^/\s]+)\/([^\s]+)\s*$/.exec($('name').value);
        if (!m) { $('facts').textContent = 'Enter a stream as app/name, e.g. live/demo'; return; }
        current = null;
        play(m[1], m[2], null);
    });

    const want = fromHash();
    if (want) play(want.app, want.name, null);
    refresh();
    setInterval(refresh, 3000);
})();
