// Helpers shared by the player and the dashboard: the admin API client and
// formatting.  Every URL is relative to the page: <body data-api="vstream/"
// data-hls="hls/"> (the dashboard, one level down, says "../vstream/").
'use strict';

const vstream = (() => {
    const body = document.body;
    const api = body.dataset.api || 'vstream/';
    const hls = body.dataset.hls || 'hls/';

    // With vstream_admin_token_file (as on AWS) the API wants a bearer token:
    // the dashboard asks for it once and keeps it for this tab only.
    const TOKEN_KEY = 'vstream-admin-token';
    const token = {
        get: () => sessionStorage.getItem(TOKEN_KEY),
        set: (t) => (t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY)),
    };

    async function request(method, path) {
        const headers = token.get() ? { Authorization: 'Bearer ' + token.get() } : {};
        const r = await fetch(api + path, { method, headers, cache: 'no-store' });
        if (!r.ok) {
            let why = 'HTTP ' + r.status;
            try { why += ': ' + (await r.json()).error; } catch (e) { /* not JSON */ }
            const err = new Error(why);
            err.status = r.status;
            throw err;
        }
        return r;
    }

    const status = async () => (await request('GET', 'status')).json();
    const drop = (app, name) =>
        request('DELETE', 'streams/' + encodeURIComponent(app) + '/' + encodeURIComponent(name));

    // Recordings: {recordings: [...], truncated}; each one's "playlist" is
    // the URL path it is served under (/rec/APP/NAME/ID/index.m3u8).
    const recordings = async () => (await request('GET', 'recordings')).json();
    const removeRecording = (r) =>
        request('DELETE', 'recordings/' + [r.app, r.name, r.id].map(encodeURIComponent).join('/'));

    // The HLS playlist URL of a stream object (or of "app/name" alone).
    function playlist(app, name, hlsInfo) {
        const file = (hlsInfo && hlsInfo.playlist) || name + '.m3u8';
        return hls + file.split('/').map(encodeURIComponent).join('/');
    }

    function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }

    // One style for every unit: rates in bits per second, decimal prefixes
    // (kbit/s, Mbit/s); sizes in bytes, binary prefixes (KiB, MiB).
    function bps(v) {
        v = num(v);
        if (v === null) return '–';
        if (v >= 1e9) return (v / 1e9).toFixed(2) + ' Gbit/s';
        if (v >= 1e6) return (v / 1e6).toFixed(2) + ' Mbit/s';
        if (v >= 1e3) return Math.round(v / 1e3) + ' kbit/s';
        return Math.round(v) + ' bit/s';
    }

    function bytes(v) {
        v = num(v);
        if (v === null) return '–';
        const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
        let i = 0;
        while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
        return (i ? v.toFixed(1) : v) + ' ' + units[i];
    }

    function duration(s) {
        s = num(s);
        if (s === null) return '–';
        s = Math.floor(s);
        const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24,
              m = Math.floor(s / 60) % 60, sec = s % 60;
        if (d) return d + 'd ' + h + 'h';
        if (h) return h + 'h ' + m + 'm';
        if (m) return m + 'm ' + sec + 's';
        return sec + 's';
    }

    function count(v) { v = num(v); return v === null ? '–' : v.toLocaleString('en'); }

    // A time of day with its zone ("14:03:07 CET"), from ISO 8601 or a Date.
    function time(iso) {
        if (!iso) return '–';
        const t = new Date(iso);
        return isNaN(t) ? String(iso) : t.toLocaleTimeString('en-GB', { timeZoneName: 'short' });
    }

    // "1280×720 H264 25 fps", from a stream's video object (any field may be missing)
    function video(v) {
        if (!v) return '–';
        const parts = [];
        if (v.width && v.height) parts.push(v.width + '×' + v.height);
        if (v.codec) parts.push(v.codec);
        if (v.fps) parts.push(v.fps + ' fps');
        return parts.length ? parts.join(' ') : '–';
    }

    function audio(a) {
        if (!a || !a.codec) return '–';
        let s = a.codec;
        if (a.sample_rate) s += ' ' + (a.sample_rate / 1000) + ' kHz';
        if (a.channels) s += a.channels === 2 ? ' stereo' : a.channels === 1 ? ' mono' : ' ' + a.channels + ' ch';
        return s;
    }

    // el('td', {class: 'num'}, 'text', childNode, ...)
    function el(tag, attrs, ...children) {
        const e = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (k === 'class') e.className = v;
            else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
            else e.setAttribute(k, v);
        }
        for (const c of children) {
            if (c !== null && c !== undefined) e.append(c);
        }
        return e;
    }

    return { api, token, status, drop, recordings, removeRecording, playlist, bps, bytes, duration, count, time, video, audio, el };
})();
