#!/usr/bin/env node
// Drives Debian's headless Chromium through the demo's pages (t/90-demo.t),
// at 1280 px and at 420 px wide:
//   node web/tests/browser.js BASE_URL SCREENSHOT_DIR [BASE_URL_THE_API_REFUSES]
// The player must play (video.currentTime grows), the dashboard must list
// live/demo with a bitrate and its chart, and the refused publisher; its
// Drop button must disconnect the publisher (which demo.sh starts again);
// where the admin API refuses the browser, the player still plays live/demo.  Prints
// one JSON object of findings on stdout; exits 1 when a check fails.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, shots, outside] = process.argv.slice(2);
if (!base || !shots) {
    console.error('usage: browser.js BASE_URL SCREENSHOT_DIR [BASE_URL_THE_API_REFUSES]');
    process.exit(2);
}

const found = { errors: [] };
const fail = (what) => { found.errors.push(what); };

// The pages against a status with nulls and missing fields (an older module,
// a stream without HLS): no script error, dashes where values are missing.
async function sparseStatus(context) {
    const docs = [
        { version: 1, totals: {}, denied: [{ addr: '10.0.0.9' }],
          streams: [{ app: 'live', name: 'nohls', hls: null, video: { codec: null }, audio: null },
                    { app: 'live', name: 'bare' }] },
        {},
    ];
    let doc = docs[0];
    const page = await context.newPage();
    await page.route('**/vstream/status', (route) => route.fulfill({
        status: 200, contentType: 'application/json', body: JSON.stringify(doc) }));
    await page.route('**/hls/**', (route) => route.fulfill({ status: 404, body: '' }));
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base + '/dashboard/', { waitUntil: 'load' });
    const row = (key) => page.waitForSelector(`tr[data-stream="${key}"]`, { timeout: 5000 })
        .then((e) => e.innerText(), () => null);
    found.sparse_nohls = await row('live/nohls');
    found.sparse_bare = await row('live/bare');
    doc = docs[1];
    found.sparse_empty = await page.waitForSelector('#streams tr.empty', { timeout: 5000 })
        .then((e) => e.innerText(), () => null);
    doc = docs[0];
    await page.goto(base + '/', { waitUntil: 'load' });
    found.sparse_player = await page.waitForSelector('#streams button[data-key="live/bare"]', { timeout: 5000 })
        .then(() => true, () => false);
    await page.waitForTimeout(1000);
    await page.close();
    if (!/no playlist/.test(found.sparse_nohls || '')) fail('a stream with hls: null is not shown as such');
    if (!/–/.test(found.sparse_bare || '')) fail('a stream with no fields is not shown with dashes');
    if (!/No live streams/.test(found.sparse_empty || '')) fail('an empty status does not empty the table');
    if (!found.sparse_player) fail('the player does not list a stream with no fields');
    for (const e of errors) fail('sparse status: ' + e);
}

// Recordings: the player lists the demo's 6 s clip (live/clip, complete),
// plays it as VOD and seeks to its middle; the dashboard lists it with its
// size and a Delete button.
async function recordings(context) {
    const page = await context.newPage();
    page.on('pageerror', (e) => fail('player page error (recordings): ' + e.message));
    await page.goto(base + '/', { waitUntil: 'load' });
    const sel = '#recordings button[data-id^="live/clip/"]';
    const listed = await page.waitForSelector(sel, { timeout: 30000 }).then(() => true, () => false);
    found.rec_listed = listed;
    if (!listed) { fail('the player does not list the recording live/clip'); await page.close(); return; }
    await page.click(sel);
    found.rec_duration = await page.waitForFunction(() => {
        const v = document.getElementById('video');
        return isFinite(v.duration) && v.duration > 3 && v.currentTime > 0.2 ? v.duration : false;
    }, null, { timeout: 20000 }).then((h) => h.jsonValue(), () => null);
    if (!found.rec_duration) {
        fail('the recording did not play (a finite duration and a growing currentTime)');
    } else {
        // [target, where it landed, and 1.5 s of playing later]
        found.rec_seek = await page.evaluate(() => new Promise((done) => {
            const v = document.getElementById('video');
            const mid = v.duration / 2;
            const timer = setTimeout(() => done([mid, v.currentTime, null]), 10000);
            v.addEventListener('seeked', () => {
                const at = v.currentTime;
                setTimeout(() => { clearTimeout(timer); done([mid, at, v.currentTime]); }, 1500);
            }, { once: true });
            v.currentTime = mid;
        }));
        const [mid, at, later] = found.rec_seek;
        if (!(Math.abs(at - mid) < 1.0)) fail(`the seek to ${mid} s landed at ${at} s`);
        if (!(later > at + 0.5)) fail(`after the seek the recording did not play on (${at} -> ${later})`);
    }
    found.rec_badge = await page.textContent('#live-badge');
    await page.screenshot({ path: path.join(shots, 'recording.png') });
    await page.close();

    const dash = await context.newPage();
    dash.on('pageerror', (e) => fail('dashboard page error (recordings): ' + e.message));
    await dash.goto(base + '/dashboard/', { waitUntil: 'load' });
    const row = 'tr[data-recording^="live/clip/"]';
    found.rec_dashboard = await dash.waitForSelector(row, { timeout: 10000 })
        .then((e) => e.innerText(), () => null);
    if (!/[0-9.]+ (KiB|MiB)/.test(found.rec_dashboard || '')) fail('the dashboard does not list live/clip with its size');
    if (!await dash.$(row + ' button.danger')) fail('the recording has no Delete button');
    await dash.close();
}

// An admin API with a bearer token (as on AWS): the dashboard asks for it,
// sends it, and says so when it is refused.
async function tokenFlow(context) {
    const page = await context.newPage();
    const doc = { version: 1, totals: { streams: 0 }, streams: [], denied: [] };
    await page.route('**/vstream/status', (route) => {
        const ok = route.request().headers().authorization === 'Bearer s3cret';
        route.fulfill(ok ? { status: 200, contentType: 'application/json', body: JSON.stringify(doc) }
                         : { status: 401, contentType: 'application/json',
                             headers: { 'WWW-Authenticate': 'Bearer realm="vstream"' },
                             body: '{"error": "unauthorized"}' });
    });
    await page.goto(base + '/dashboard/', { waitUntil: 'load' });
    const login = await page.waitForSelector('#login', { state: 'visible', timeout: 5000 })
        .then(() => true, () => false);
    await page.fill('#token', 'wrong');
    await page.press('#token', 'Enter');
    const refused = await page.waitForFunction(() => /token was refused/.test(
        document.getElementById('error').textContent), null, { timeout: 5000 }).then(() => true, () => false);
    await page.fill('#token', 's3cret');
    await page.press('#token', 'Enter');
    const accepted = await page.waitForSelector('#login', { state: 'hidden', timeout: 5000 })
        .then(() => page.waitForSelector('#streams tr.empty', { timeout: 5000 }))
        .then(() => true, () => false);
    await page.close();
    found.token = { login, refused, accepted };
    if (!(login && refused && accepted)) fail('the token form: ' + JSON.stringify(found.token));
}

// A phone, 420 px wide: the live stream's Drop button and HLS cell are on
// screen without scrolling sideways, and the button takes a click.
async function narrow(context) {
    const page = await context.newPage();
    await page.setViewportSize({ width: 420, height: 900 });
    page.on('pageerror', (e) => fail('dashboard at 420 px: ' + e.message));
    await page.goto(base + '/dashboard/', { waitUntil: 'load' });
    const row = 'tr[data-stream="live/demo"]';
    await page.waitForSelector(row + ' .badge', { timeout: 10000 })
        .catch(() => fail('at 420 px: no live/demo row'));
    found.narrow = await page.evaluate((sel) => {
        const box = (e) => { if (!e) return null; const r = e.getBoundingClientRect();
                             return { left: r.left, right: r.right, width: r.width }; };
        const b = document.querySelector(sel + ' button.danger');
        const hls = document.querySelector(sel + ' td[data-label="HLS"]');
        const r = b && b.getBoundingClientRect();
        const hit = r && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return { drop: box(b), hls: box(hls), page_width: document.documentElement.scrollWidth,
                 drop_hit: !!(hit && b.contains(hit)), hls_text: hls ? hls.innerText : null };
    }, row).catch(() => ({}));
    await page.screenshot({ path: path.join(shots, 'dashboard-420.png'), fullPage: true });
    const n = found.narrow;
    const inside = (bx) => bx && bx.left >= 0 && bx.right <= 420 && bx.width > 0;
    if (!inside(n.drop) || !n.drop_hit) fail('at 420 px the Drop button is not on screen: ' + JSON.stringify(n));
    if (!inside(n.hls) || !/healthy|stale/.test(n.hls_text || '')) fail('at 420 px the HLS column is not on screen: ' + JSON.stringify(n));
    if (n.page_width > 420) fail('at 420 px the page scrolls sideways (' + n.page_width + ' px)');
    await page.close();
}

async function main() {
    fs.mkdirSync(shots, { recursive: true });
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vstream-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update',
               '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
        ignoreHTTPSErrors: true,        // the demo's self-signed certificate
        viewport: { width: 1280, height: 720 },
        timeout: 90000,        // launching, on a machine busy with other tests
    });
    try {
        const page = context.pages()[0] || await context.newPage();
        page.on('pageerror', (e) => fail('player page error: ' + e.message));

        // The player: the stream list comes from the API, the video plays.
        await page.goto(base + '/', { waitUntil: 'load' });
        found.h264 = await page.evaluate(() =>
            window.MediaSource ? MediaSource.isTypeSupported('video/mp4; codecs="avc1.4d401e,mp4a.40.2"') : false);
        await page.waitForSelector('#streams button[data-key="live/demo"]', { timeout: 10000 })
            .then(() => { found.player_lists_stream = true; })
            .catch(() => fail('the player does not list live/demo'));
        await page.waitForFunction(() => document.getElementById('video').currentTime > 0.5,
                                   null, { timeout: 20000 })
            .catch(() => fail('the video did not start'));
        // [currentTime before, after, wall-clock seconds between], timed in the page
        found.current_time = await page.evaluate(() => new Promise((done) => {
            const v = document.getElementById('video');
            const c0 = v.currentTime, t0 = performance.now();
            setTimeout(() => done([c0, v.currentTime, (performance.now() - t0) / 1000]), 4000);
        }));
        const [c0, c1, wall] = found.current_time;
        if (!(c1 - c0 > 1.5)) fail(`currentTime did not grow enough (${c0} -> ${c1} in ${wall} s)`);
        found.player_state = await page.textContent('#live-badge');
        await page.screenshot({ path: path.join(shots, 'player.png') });

        // The dashboard, with the player still watching (one viewer).
        const dash = await context.newPage();
        dash.on('pageerror', (e) => fail('dashboard page error: ' + e.message));
        await dash.goto(base + '/dashboard/', { waitUntil: 'load' });
        const row = 'tr[data-stream="live/demo"]';
        await dash.waitForFunction((sel) => {
            const b = document.querySelector(sel + ' .bitrate');
            return b && /[0-9] [kM]bit\/s/.test(b.textContent);
        }, row, { timeout: 10000 }).catch(() => fail('the dashboard shows no bitrate for live/demo'));
        await dash.waitForTimeout(6000);      // a few points on the chart, viewers counted
        found.dashboard_row = await dash.$eval(row, (tr) => tr.innerText.replace(/\s+/g, ' '))
            .catch(() => null);
        found.dashboard_bitrate = await dash.$eval(row + ' .bitrate', (b) => b.textContent)
            .catch(() => null);
        found.chart_pixels = await dash.$eval(row + ' canvas', (c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;        // pixels drawn over the background (#f0f4f9)
            for (let i = 0; i < d.length; i += 4) if (d[i] < 225) n++;
            return n;
        }).catch(() => 0);
        if (found.chart_pixels < 50) fail('the bitrate chart is empty');
        // drawn from the left edge from the first samples on (a minute of
        // history is not there yet), under a labelled scale
        found.chart_left = await dash.$eval(row + ' canvas', (c) => {
            const g = c.getContext('2d');
            const col = g.getImageData(1, 0, 1, c.height).data;   // the first column
            let n = 0;
            for (let i = 0; i < col.length; i += 4) if (col[i] < 225) n++;
            return { drawn: n, scale: Number(c.dataset.scale), title: c.title };
        }).catch(() => ({}));
        if (!(found.chart_left.drawn > 0)) fail('the bitrate chart does not start at the left edge');
        if (!(found.chart_left.scale > 0) || !/scale 0 to [\d.]+ [kMG]?bit\/s/.test(found.chart_left.title || ''))
            fail('the bitrate chart has no scale: ' + JSON.stringify(found.chart_left));
        found.state = await dash.textContent('#state');
        if (!/^updated \d\d:\d\d:\d\d [A-Z+\-0-9:]+$/.test(found.state || ''))
            fail('the update time carries no zone: ' + found.state);
        found.denied = await dash.$eval('#denied', (t) => t.innerText.replace(/\s+/g, ' '));
        found.totals = await dash.$eval('#totals', (t) => t.innerText.replace(/\s+/g, ' '));
        await dash.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });

        // Drop: the first click arms the button (for 3 s), the second calls
        // the API; the row goes, and comes back when the publisher
        // reconnects.  On a starved machine the two clicks may fall more
        // than 3 s apart: then the button disarms, and we arm it again.
        let clicked = false;
        for (let i = 0; i < 3 && !clicked; i++) {
            try {
                await dash.click(row + ' button.danger:not(.armed)', { timeout: 10000 });
                await dash.click(row + ' button.danger.armed', { timeout: 2500 });
                clicked = true;
            } catch (e) {
                found.drop_retries = i + 1;
            }
        }
        if (!clicked) fail('the Drop button could not be clicked twice');
        found.drop_removed = await dash.waitForSelector(row, { state: 'detached', timeout: 10000 })
            .then(() => true, () => false);
        if (!found.drop_removed) fail('Drop did not remove live/demo from the table');
        found.drop_returned = await dash.waitForSelector(row, { timeout: 20000 })
            .then(() => true, () => false);
        if (!found.drop_returned) fail('live/demo did not come back after the drop');

        // A viewer the admin API refuses (as on AWS): the player says why
        // and plays live/demo by name.
        if (outside) {
            const viewer = await context.newPage();
            await viewer.goto(outside + '/', { waitUntil: 'load' });
            await viewer.waitForFunction(() => document.getElementById('video').currentTime > 0.5,
                                         null, { timeout: 20000 })
                .then(() => { found.fallback_plays = true; })
                .catch(() => fail('without the API the player did not play live/demo'));
            found.fallback_note = await viewer.textContent('#list-note');
            found.fallback_title = await viewer.textContent('#title');
        }

        await narrow(context);
        await recordings(context);
        await sparseStatus(context);
        await tokenFlow(context);
    } finally {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
    }
}

main().catch((e) => fail('browser: ' + e.message)).finally(() => {
    console.log(JSON.stringify(found));
    process.exit(found.errors.length ? 1 : 0);
});
