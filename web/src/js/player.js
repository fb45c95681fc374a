// The player: lists live streams from the admin API (vstream/status) and
// plays one with hls.js.  Without the API (on AWS it is for admins only) a
// stream is chosen by name: "app/name", or the page's #app/name.
'use strict';

(() => {
    const $ = (id) => document.getElementById(id);
    const video = $('video');
    let current = null;     // {app, name, url}
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

    function load() {
        if (!current) return;
        const url = current.url;
        if (window.Hls && Hls.isSupported()) {
            hls = new Hls({ liveSyncDurationCount: 3, manifestLoadingMaxRetry: 2 });
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

    video.addEventListener('playing', () => setState('LIVE', 'live'));
    video.addEventListener('waiting', () => setState('BUFFERING'));

    function markCurrent() {
        for (const b of document.querySelectorAll('#streams button')) {
            b.classList.toggle('current', !!current && b.dataset.key === current.app + '/' + current.name);
        }
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

        if (!current && streams.length) {
            const want = fromHash();
            const s = (want && streams.find((x) => x.app === want.app && x.name === want.name)) || streams[0];
            play(s.app, s.name, s.hls);
        }
        const mine = current && streams.find((x) => x.app === current.app && x.name === current.name);
        if (mine) $('facts').textContent = describe(mine);
        else if (current && !hls) $('facts').textContent = 'Not live.';
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
