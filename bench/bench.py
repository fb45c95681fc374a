#!/usr/bin/env python3
"""make bench: what the vstream module costs, measured side by side.

Comparisons, each running both sides in the same run, alternating,
several rounds, medians and ratios (see bench/README.md):

  ingest   nginx worker CPU to take in a fixed volume (20 publishers x N
           loops of the sample FLV, full speed), module loaded with
           vstream_ingest_allow and stats on, against the same nginx without
  status   requests/s and worker CPU per request of /vstream/status,
           /vstream/metrics and rtmp_stat all, same nginx, same live streams
  polling  20 real-time publishers with and without status polled at
           100 req/s: bytes and frames the server took in
  memory   shared zone bytes per live stream: streams that fit in two
           vstream_zone sizes before publishes are refused with zone_full
  record   ingest worker CPU with vstream_record_path on against off
           (both with HLS, 20 real-time publishers, 2 s fragments)
  hls      static playlist and segment serving, 2 workers, wrk spreading
           requests over 10,000 client addresses (X-Forwarded-For, realip
           from loopback), vstream_hls_viewers on against off: req/s, p99
  peer     a playlist fetched from the frontend that holds it against
           through another frontend (proxy_pass to its peer): req/s, p99

Prints a table, writes build/bench.json.  Parts that need the module are
skipped, with a note, when build/ngx_vstream_module.so is missing.

The script pins itself (and so rtmp-flood, wrk and the poller it starts)
to CPU 0 and nginx's one worker to CPU 1 with worker_cpu_affinity.
Worker CPU time is read from /proc/PID/schedstat (nanoseconds); the
utime+stime ticks of /proc/PID/stat are recorded alongside.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.environ.get('VSTREAM_TOP') or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, 'build')
NGINX = os.environ.get('VSTREAM_NGINX', '/usr/sbin/nginx')
RTMP_SO = os.environ.get('VSTREAM_RTMP_SO',
                         '/usr/lib/nginx/modules/ngx_rtmp_module.so')
MODULE_SO = os.environ.get('VSTREAM_MODULE',
                           os.path.join(BUILD, 'ngx_vstream_module.so'))
FLOOD = os.path.join(BUILD, 'rtmp-flood')
FLV = os.path.join(BUILD, 'bench', 'sample.flv')
HANDSHAKE = 3073            # C0 + C1 + C2: not in nginx-rtmp's bytes_in
NOFILE = min(30000, resource.getrlimit(resource.RLIMIT_NOFILE)[1])

CONF = """\
{modules}
worker_processes 1;
{affinity}
worker_rlimit_nofile {nofile};
error_log {prefix}/logs/error.log warn;
pid {prefix}/logs/nginx.pid;
events {{ worker_connections {conns}; }}
{core}
rtmp {{
    server {{
        listen 127.0.0.1:{rtmp};
        chunk_size 4096;
        application live {{
            live on;
{app}
        }}
    }}
}}

http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{http};
        location /stat {{ rtmp_stat all; }}
        location = /floor {{ return 200 "ok\\n"; }}
{admin}
    }}
}}
"""


def say(*args):
    print('bench:', *args, file=sys.stderr, flush=True)


def median(values):
    return statistics.median(values) if values else None


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        if port >= 20000:
            return port


def wait_for(cond, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = cond()
        if r:
            return r
        time.sleep(step)
    return None


class Nginx:
    """One nginx under a temporary prefix; with or without the module."""

    def __init__(self, name, module, zone=None, allow=None, cpu=None,
                 app_extra=''):
        self.name = name
        self.module = module
        self.prefix = tempfile.mkdtemp(prefix='vstream-bench-%s-' % name)
        os.chmod(self.prefix, 0o755)
        for d in ('logs', 'tmp'):
            os.makedirs(os.path.join(self.prefix, d))
        self.rtmp = free_port()
        self.http = free_port()
        modules = 'load_module %s;' % RTMP_SO
        core = app = admin = ''
        if module:
            modules += '\nload_module %s;' % MODULE_SO
            core = 'vstream_zone %s;' % (zone or '64m')
            if allow:
                app = '            vstream_ingest_allow %s;' % allow
            app += app_extra.replace('PREFIX', self.prefix)
            admin = '        location /vstream/ { vstream_admin; allow 127.0.0.1; deny all; }'
        affinity = ''
        if cpu is not None:
            affinity = 'worker_cpu_affinity %s;' % ('1' + '0' * cpu)
        self.conf = os.path.join(self.prefix, 'nginx.conf')
        with open(self.conf, 'w') as f:
            f.write(CONF.format(modules=modules, affinity=affinity,
                                prefix=self.prefix, core=core, app=app,
                                admin=admin, rtmp=self.rtmp, http=self.http,
                                nofile=NOFILE, conns=NOFILE - 1000))
        self.master = None
        self.worker = None
        self.conn = None

    def start(self):
        subprocess.run([NGINX, '-p', self.prefix + '/', '-c', self.conf,
                        '-e', self.prefix + '/logs/error.log'], check=True)
        self.master = int(wait_for(lambda: self._read('logs/nginx.pid'), 10))
        self.worker = wait_for(self._find_worker, 10)
        ok = wait_for(lambda: self._listening(self.rtmp)
                      and self._listening(self.http), 10)
        if not (self.worker and ok):
            raise RuntimeError('nginx %s did not start: %s'
                               % (self.name, self._read('logs/error.log')))
        return self

    def stop(self):
        if self.conn:
            self.conn.close()
            self.conn = None
        pids = [p for p in (self.master, self.worker) if p]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            if wait_for(lambda: not any(map(_alive, pids)), 10):
                break
        self.master = self.worker = None
        if not os.environ.get('VSTREAM_KEEP'):
            shutil.rmtree(self.prefix, ignore_errors=True)

    def _read(self, name):
        try:
            with open(os.path.join(self.prefix, name)) as f:
                return f.read().strip()
        except OSError:
            return ''

    def _find_worker(self):
        for pid in os.listdir('/proc'):
            if not pid.isdigit():
                continue
            stat = _proc_stat(int(pid))
            if stat and int(stat[1]) == self.master:
                return int(pid)
        return None

    @staticmethod
    def _listening(port):
        try:
            socket.create_connection(('127.0.0.1', port), 1).close()
            return True
        except OSError:
            return False

    def url(self, path=''):
        return 'http://127.0.0.1:%d%s' % (self.http, path)

    def rtmp_url(self):
        return 'rtmp://127.0.0.1:%d/live' % self.rtmp

    def cpu(self):
        """Worker CPU: (seconds from schedstat, utime ticks, stime ticks)."""
        with open('/proc/%d/schedstat' % self.worker) as f:
            ns = int(f.read().split()[0])
        stat = _proc_stat(self.worker)
        return ns / 1e9, int(stat[11]), int(stat[12])

    def get(self, path):
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(
                        '127.0.0.1', self.http, timeout=30)
                self.conn.request('GET', path)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                if self.conn:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        return None

    def status(self):
        code, body = self.get('/vstream/status')
        if code != 200:
            raise RuntimeError('/vstream/status answered %d' % code)
        return json.loads(body)

    def stat_bytes_in(self):
        """The worker's total bytes_in from rtmp_stat."""
        code, body = self.get('/stat')
        m = re.search(rb'</pid>.*?<bytes_in>(\d+)</bytes_in>', body, re.S)
        return int(m.group(1)) if m else None

    def stat_publishing(self):
        code, body = self.get('/stat')
        return body.count(b'<publishing/>') // 2


def _proc_stat(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            line = f.read()
    except OSError:
        return None
    return line[line.rindex(')') + 2:].split()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = _proc_stat(pid)
    return bool(stat) and stat[0] != 'Z'


class Flood:
    """rtmp-flood in the background."""

    def __init__(self, ng, streams, *args):
        self.log = os.path.join(ng.prefix, 'logs', 'flood.err')
        cmd = [FLOOD, '--url', ng.rtmp_url(), '--flv', FLV,
               '--streams', str(streams)] + [str(a) for a in args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=open(self.log, 'a'), text=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait()

    def wait(self, timeout=120):
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        summary = dict(kv.split('=', 1) for kv in out.split() if '=' in kv)
        summary = {k: _number(v) for k, v in summary.items()}
        summary['exit'] = self.proc.returncode
        return summary


def _number(v):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def flood_run(ng, streams, *args):
    return Flood(ng, streams, *args).wait()


def wrk(url, seconds, connections=4):
    """Returns (requests, req/s, share of a CPU wrk itself used, timeouts)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(['wrk', '-t1', '-c%d' % connections,
                             '-d%ds' % seconds, '--timeout', '30s', url],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    busy = (usage.ru_utime + usage.ru_stime) / (time.monotonic() - t0)
    requests = re.search(r'(\d+) requests in', out)
    rps = re.search(r'Requests/sec:\s+([\d.]+)', out)
    errors = re.search(r'Socket errors: connect (\d+), read (\d+), '
                       r'write (\d+), timeout (\d+)', out)
    if proc.returncode or not (requests and rps) or 'Non-2xx' in out or \
            (errors and sum(map(int, errors.groups()[:3]))):
        raise RuntimeError('wrk %s: %s' % (url, out))
    return (int(requests.group(1)), float(rps.group(1)), busy,
            int(errors.group(4)) if errors else 0)


# -- ingest overhead ---------------------------------------------------------

def bench_ingest(args, have_module):
    # "control" is a second nginx without the module: the spread of
    # control/plain is what this machine can resolve at the time
    sides = {'plain': Nginx('plain', False, cpu=args.server_cpu),
             'control': Nginx('control', False, cpu=args.server_cpu)}
    if have_module:
        sides['module'] = Nginx('module', True, allow='127.0.0.0/8',
                                cpu=args.server_cpu)
    res = {name: {'cpu_s': [], 'utime_ticks': [], 'stime_ticks': [],
                  'complete': True}
           for name in sides}
    res['streams'] = args.ingest_streams
    res['loops'] = args.ingest_loops
    try:
        for ng in sides.values():
            ng.start()
            flood_run(ng, args.ingest_streams, '--rate', 0, '--loops', 1)
        names = list(sides)
        for r in range(args.ingest_rounds):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                ingest_once(args, sides[name], res[name], r)
        if have_module:
            st = sides['module'].status()
            res['module']['publish_accepted'] = \
                st['totals']['publish_accepted']
            res['perf'] = perf_share(args, sides['module'])
    finally:
        for ng in sides.values():
            ng.stop()
    for name in sides:
        d = res[name]
        for key in ('cpu_s', 'utime_ticks', 'stime_ticks'):
            d['median_' + key] = median(d[key])

    # each round's run against the plain run of the same round: drift in
    # the machine's load cancels out of the pairs
    def pairs(name):
        return [x / p for x, p in zip(res[name]['cpu_s'],
                                      res['plain']['cpu_s'])]

    res['control_ratios'] = pairs('control')
    res['noise'] = median(res['control_ratios'])
    if have_module:
        res['round_ratios'] = pairs('module')
        res['ratio'] = median(res['round_ratios'])
        res['ratio_of_medians'] = res['module']['median_cpu_s'] / \
            res['plain']['median_cpu_s']
        res['target'] = 1.01
        res['met'] = res['ratio'] <= res['target']
    return res


def perf_share(args, ng, streams=None, flood_args=None):
    """Share of the worker's CPU samples inside the module's own code
    during one more ingest run: its direct cost, free of the machine's
    noise (software clock sampling; needs no hardware counters)."""
    if not shutil.which('perf'):
        return None
    data = os.path.join(ng.prefix, 'perf.data')
    rec = subprocess.Popen(['perf', 'record', '-q', '-F', '4999', '-e',
                            'cpu-clock', '-o', data, '-p', str(ng.worker)],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    flood_run(ng, streams or args.ingest_streams,
              *(flood_args or ('--rate', 0, '--loops', args.ingest_loops)))
    rec.send_signal(signal.SIGINT)
    try:
        rec.wait(30)
    except subprocess.TimeoutExpired:
        rec.kill()
        rec.wait()
    out = subprocess.run(['perf', 'report', '-i', data, '--sort', 'dso',
                          '--stdio'], capture_output=True, text=True).stdout
    shares = {m.group(2): float(m.group(1)) for m in
              re.finditer(r'^\s+([\d.]+)%\s+(\S+)', out, re.M)}
    if not shares:
        return None
    return {'module_pct': shares.get(os.path.basename(MODULE_SO), 0.0),
            'nginx_rtmp_pct': shares.get('ngx_rtmp_module.so'),
            'kernel_pct': shares.get('[kernel.kallsyms]')}


def ingest_once(args, ng, d, r):
    before = ng.stat_bytes_in()
    cpu0 = ng.cpu()
    s = flood_run(ng, args.ingest_streams, '--rate', 0,
                  '--loops', args.ingest_loops)
    # the worker has read everything once bytes_in reaches what was sent
    expect = before + s['bytes_out'] - HANDSHAKE * s['streams']
    wait_for(lambda: ng.stat_bytes_in() >= expect, 10, 0.02)
    cpu1 = ng.cpu()
    after = ng.stat_bytes_in()
    if s['exit'] != 0 or after != expect:
        d['complete'] = False
        say('ingest %s round %d: %s, server got %d of %d bytes'
            % (ng.name, r, s, after - before, expect - before))
    d['cpu_s'].append(cpu1[0] - cpu0[0])
    d['utime_ticks'].append(cpu1[1] - cpu0[1])
    d['stime_ticks'].append(cpu1[2] - cpu0[2])
    d['bytes'] = after - before
    d['tags'] = s['tags']


# -- recording overhead ------------------------------------------------------

def bench_record(args):
    """The same module, HLS on in both; one records every stream.  Real
    time (rate 1): the recorder's work per tick is bounded, so at full
    speed it would skip segments and look cheaper than it is."""
    hls = ('\n            hls on;\n            hls_path PREFIX/hls;'
           '\n            hls_fragment 2s;\n            hls_playlist_length 10s;'
           '\n            vstream_hls_path PREFIX/hls;')
    # "control" is a second "off": the spread of control/off is the noise
    sides = {'off': Nginx('rec-off', True, allow='127.0.0.0/8',
                          cpu=args.server_cpu, app_extra=hls),
             'control': Nginx('rec-control', True, allow='127.0.0.0/8',
                              cpu=args.server_cpu, app_extra=hls),
             'on': Nginx('rec-on', True, allow='127.0.0.0/8',
                         cpu=args.server_cpu, app_extra=hls
                         + '\n            vstream_record_path PREFIX/rec;')}
    for ng in sides.values():
        for d in ('hls', 'rec'):
            os.makedirs(os.path.join(ng.prefix, d))
            os.chmod(os.path.join(ng.prefix, d), 0o777)
    res = {name: {'cpu_s': []} for name in sides}
    res['streams'] = args.record_streams
    res['seconds'] = args.record_seconds
    try:
        for ng in sides.values():
            ng.start()
        names = list(sides)
        for r in range(args.record_rounds):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                ng = sides[name]
                cpu0 = ng.cpu()[0]
                flood_run(ng, args.record_streams, '--rate', 1,
                          '--duration', args.record_seconds)
                res[name]['cpu_s'].append(ng.cpu()[0] - cpu0)
        time.sleep(1)
        code, body = sides['on'].get('/vstream/recordings')
        recs = json.loads(body)['recordings'] if code == 200 else []
        res['recordings'] = len(recs)
        res['complete'] = sum(1 for x in recs if x['complete'])
        res['segments'] = sum(x['segments'] for x in recs)
        code, body = sides['on'].get('/vstream/metrics')
        m = re.search(rb'^vstream_record_failures_total\{app="live"\} (\d+)',
                      body, re.M)
        res['failures'] = int(m.group(1)) if m else None
        res['perf'] = perf_share(args, sides['on'], args.record_streams,
                                 ('--rate', 1, '--duration',
                                  args.record_seconds))
    finally:
        for ng in sides.values():
            ng.stop()
    for name in sides:
        res[name]['median_cpu_s'] = median(res[name]['cpu_s'])
    res['round_ratios'] = [on / off for on, off in
                           zip(res['on']['cpu_s'], res['off']['cpu_s'])]
    res['control_ratios'] = [c / off for c, off in
                             zip(res['control']['cpu_s'], res['off']['cpu_s'])]
    res['ratio'] = median(res['round_ratios'])
    res['noise'] = median(res['control_ratios'])
    res['ratio_of_medians'] = res['on']['median_cpu_s'] / \
        res['off']['median_cpu_s']
    res['target'] = 1.01
    res['met'] = res['ratio'] <= res['target']
    return res


# -- status cost -------------------------------------------------------------

ENDPOINTS = [('vstream_status', '/vstream/status'),
             ('vstream_metrics', '/vstream/metrics'),
             ('rtmp_stat', '/stat'),
             ('http_floor', '/floor')]    # nginx's HTTP path alone


def bench_status(args, have_module, streams):
    ng = Nginx('status', have_module, zone='64m', cpu=args.server_cpu)
    endpoints = ENDPOINTS if have_module else ENDPOINTS[2:]
    res = {name: {'rps': [], 'worker_us_per_req': [], 'wrk_cpu': [],
                  'timeouts': 0, 'bytes': None}
           for name, _ in endpoints}
    res['streams'] = streams
    # answers of several MB at 10,000 streams: fewer connections, longer
    connections = args.wrk_connections if streams <= 1000 else 4
    seconds = args.wrk_seconds if streams <= 1000 else 2 * args.wrk_seconds
    res['wrk'] = {'connections': connections, 'seconds': seconds}
    flood = None
    try:
        ng.start()
        # live streams, kept until the end: real time, unless many
        flood = Flood(ng, streams, '--duration', 0, '--connect-rate', 2000,
                      '--rate', 1 if streams <= 1000 else 0.02,
                      '--timeout', 60)
        ok = wait_for(lambda: ng.stat_publishing() >= streams,
                      30 + streams / 500, 0.5)
        if have_module:
            ok = ok and wait_for(
                lambda: ng.status()['totals']['streams'] >= streams, 10, 0.5)
            listed = len(ng.status()['streams'])
            res['status_lists'] = listed
            if listed != streams:
                res['note'] = ('/vstream/status counts %d streams in totals '
                               'but lists %d' % (streams, listed))
        if not ok:
            raise RuntimeError('%d streams did not all go live' % streams)
        for name, path in endpoints:
            code, body = ng.get(path)
            res[name]['bytes'] = len(body)
        for r in range(args.rounds):
            # the worker's own load from the live streams, to subtract
            cpu0 = ng.cpu()[0]
            time.sleep(1)
            idle = ng.cpu()[0] - cpu0
            k = r % len(endpoints)
            for name, path in endpoints[k:] + endpoints[:k]:
                cpu0 = ng.cpu()[0]
                t0 = time.monotonic()
                requests, rps, busy, timeouts = wrk(
                    ng.url(path), seconds, connections)
                dt = time.monotonic() - t0
                cpu = ng.cpu()[0] - cpu0 - idle * dt
                res[name]['rps'].append(rps)
                res[name]['wrk_cpu'].append(busy)
                res[name]['timeouts'] += timeouts
                res[name]['worker_us_per_req'].append(cpu / requests * 1e6)
        res['ingest_cpu_share'] = idle
    finally:
        if flood:
            res['flood'] = flood.stop()
        ng.stop()
    for name, _ in endpoints:
        res[name]['median_rps'] = median(res[name]['rps'])
        res[name]['median_us_per_req'] = median(
            res[name]['worker_us_per_req'])
    if have_module:
        base = res['rtmp_stat']
        for name in ('vstream_status', 'vstream_metrics'):
            e = res[name]
            e['rps_vs_rtmp_stat'] = e['median_rps'] / base['median_rps']
            e['cpu_vs_rtmp_stat'] = \
                base['median_us_per_req'] / e['median_us_per_req']
        # what the answer itself costs: worker time above a 'return 200'
        floor = res['http_floor']['median_us_per_req']
        above = {name: res[name]['median_us_per_req'] - floor
                 for name in ('vstream_status', 'vstream_metrics',
                              'rtmp_stat')}
        res['above_floor_us'] = above
        for name in ('vstream_status', 'vstream_metrics'):
            if above[name] > 0:
                res[name]['above_floor_vs_rtmp_stat'] = \
                    above['rtmp_stat'] / above[name]
        limit = 2000 if streams <= 1000 else 20000
        e = res['vstream_status']
        res['targets'] = {
            'rps_vs_rtmp_stat': 2.0,
            'status_us_per_req': limit,
            'rps_met': e['rps_vs_rtmp_stat'] >= 2.0,
            'cpu_met': e['cpu_vs_rtmp_stat'] >= 2.0,
            'render_met': e['median_us_per_req'] <= limit}
    return res


# -- polling under load ------------------------------------------------------

class Poller(threading.Thread):
    """GET /vstream/status at a fixed rate, on its own connection."""

    def __init__(self, ng, rate):
        super().__init__(daemon=True)
        self.port = ng.http
        self.rate = rate
        self.stop_flag = threading.Event()
        self.latencies = []
        self.errors = 0

    def run(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
        start = time.monotonic()
        n = 0
        while not self.stop_flag.is_set():
            delay = start + n / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            n += 1
            t0 = time.monotonic()
            try:
                conn.request('GET', '/vstream/status')
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                                  timeout=10)
            self.latencies.append(time.monotonic() - t0)
        conn.close()


def bench_polling(args):
    ng = Nginx('polling', True, cpu=args.server_cpu)
    sides = ('quiet', 'polled')
    res = {s: {'bytes_in': [], 'frames': [], 'tags_sent': [],
               'late_max_ms': [], 'complete': []} for s in sides}
    res['polled'].update({'polls': [], 'poll_p99_ms': [], 'poll_errors': 0})
    res['streams'] = args.poll_streams
    res['rate'] = args.poll_rate
    try:
        ng.start()
        for r in range(args.poll_rounds):
            for side in (sides if r % 2 == 0 else sides[::-1]):
                prefix = 'r%d%s' % (r, side)
                poller = Poller(ng, args.poll_rate) if side == 'polled' \
                    else None
                # one pass over the file at real time, then hold on
                flood = Flood(ng, args.poll_streams, '--loops', 1,
                              '--duration', 12, '--name-prefix', prefix)
                if poller:
                    poller.start()
                time.sleep(11.3)
                mine = [s for s in ng.status()['streams']
                        if s['name'].startswith(prefix)]
                if poller:
                    poller.stop_flag.set()
                    poller.join()
                s = flood.wait()
                d = res[side]
                d['bytes_in'].append(sum(x['bytes_in'] for x in mine))
                d['frames'].append(sum(x['video']['frames'] +
                                       x['audio']['frames'] for x in mine))
                d['tags_sent'].append(s['tags'])
                d['late_max_ms'].append(s['late_max_ms'])
                d['complete'].append(s['exit'] == 0 and
                                     len(mine) == args.poll_streams)
                if poller:
                    lat = sorted(poller.latencies)
                    d['polls'].append(len(lat))
                    d['poll_p99_ms'].append(
                        lat[int(len(lat) * 0.99)] * 1000 if lat else None)
                    d['poll_errors'] += poller.errors
    finally:
        ng.stop()
    for side in sides:
        d = res[side]
        d['median_bytes_in'] = median(d['bytes_in'])
        d['median_frames'] = median(d['frames'])
    q, p = res['quiet'], res['polled']
    res['lost_frames'] = q['median_frames'] - p['median_frames']
    res['lost_bytes'] = q['median_bytes_in'] - p['median_bytes_in']
    res['met'] = (res['lost_frames'] <= 0 and res['lost_bytes'] <= 0 and
                  all(q['complete'] + p['complete']))
    return res


# -- memory per stream -------------------------------------------------------

def zone_capacity(args, zone):
    ng = Nginx('memory', True, zone=zone, cpu=args.server_cpu)
    flood = None
    try:
        ng.start()
        flood = Flood(ng, args.memory_streams, '--duration', 0,
                      '--rate', 0.01, '--connect-rate', 2000,
                      '--name-prefix', 'camera-', '--timeout', 60)

        def settled():
            st = ng.status()
            denied = sum(1 for d in st['denied'] if d['reason'] == 'zone_full')
            done = st['totals']['streams'] + st['totals']['publish_denied']
            return st if done >= args.memory_streams and denied else None

        st = wait_for(settled, 30 + args.memory_streams / 1000, 0.5)
        if st is None:
            raise RuntimeError('zone %s: no zone_full refusal with %d streams'
                               % (zone, args.memory_streams))
        return {'zone': zone, 'streams': st['totals']['streams'],
                'denied': st['totals']['publish_denied']}
    finally:
        if flood:
            flood.stop()
        ng.stop()


def size_bytes(s):
    m = re.fullmatch(r'(\d+)([km]?)', s.lower())
    return int(m.group(1)) * {'': 1, 'k': 1024, 'm': 1 << 20}[m.group(2)]


def bench_memory(args):
    small, large = (zone_capacity(args, z) for z in args.zones)
    per = (size_bytes(large['zone']) - size_bytes(small['zone'])) / \
        (large['streams'] - small['streams'])
    return {'zones': [small, large], 'name': 'camera-NNNN',
            'bytes_per_stream': per, 'target': 1024, 'met': per <= 1024}


# -- HLS serving with and without viewer counting --------------------------

HLS_CONF = """\
load_module {rtmp_so};
load_module {module_so};
worker_processes 2;
worker_rlimit_nofile 4096;
error_log {prefix}/logs/error.log warn;
pid {prefix}/logs/nginx.pid;
events {{ worker_connections 2048; }}
vstream_zone 16m;
rtmp {{
    server {{
        listen 127.0.0.1:{rtmp};
        application live {{
            live on;
            vstream_hls_path {prefix}/hls;
        }}
    }}
}}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    types {{
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
    }}
    server {{
        listen 127.0.0.1:{http};
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        location /vstream/ {{ vstream_admin; allow 127.0.0.1; deny all; }}
        location /hls/ {{
            alias {prefix}/hls/;
            vstream_hls_viewers {viewers} app=live;
        }}
    }}
}}
"""

# one playlist fetch per segment, as a player does; 10,000 addresses
HLS_LUA = """\
local n = 0
request = function()
    n = n + 1
    local a = (math.floor(n / 2) * 7919) %% %(addresses)d
    local path
    if n %% 2 == 0 then
        path = "/hls/cam1.m3u8"
    else
        path = "/hls/cam1-" .. (n %% 3) .. ".ts"
    end
    return wrk.format("GET", path, {["X-Forwarded-For"] =
        string.format("10.%%d.%%d.%%d", math.floor(a / 65536) %% 256,
                      math.floor(a / 256) %% 256, a %% 256)})
end
"""


class HlsNginx(Nginx):
    """nginx serving a hand-written HLS stream, 2 workers, not pinned."""

    def __init__(self, name, viewers):
        self.name = name
        self.module = True
        self.prefix = tempfile.mkdtemp(prefix='vstream-bench-%s-' % name)
        os.chmod(self.prefix, 0o755)
        for d in ('logs', 'tmp', 'hls'):
            os.makedirs(os.path.join(self.prefix, d))
        self.rtmp = free_port()
        self.http = free_port()
        with open(os.path.join(self.prefix, 'hls', 'cam1.m3u8'), 'w') as f:
            f.write('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n'
                    '#EXT-X-MEDIA-SEQUENCE:0\n'
                    + ''.join('#EXTINF:2.000,\ncam1-%d.ts\n' % i
                              for i in range(3)))
        for i in range(3):
            with open(os.path.join(self.prefix, 'hls',
                                   'cam1-%d.ts' % i), 'wb') as f:
                f.write(b'\x47' * (64 * 1024 + i))
        self.conf = os.path.join(self.prefix, 'nginx.conf')
        with open(self.conf, 'w') as f:
            f.write(HLS_CONF.format(rtmp_so=RTMP_SO, module_so=MODULE_SO,
                                    prefix=self.prefix, rtmp=self.rtmp,
                                    http=self.http,
                                    viewers='on' if viewers else 'off'))
        self.master = None
        self.worker = None
        self.conn = None

    def stop(self):
        workers = self._workers()
        Nginx.stop(self)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _workers(self):
        pids = []
        for pid in os.listdir('/proc'):
            stat = _proc_stat(int(pid)) if pid.isdigit() else None
            if stat and self.master and int(stat[1]) == self.master:
                pids.append(int(pid))
        return pids


# Two frontends (HLS from any frontend): the same configuration, the
# playlist on one.  The other answers it through its peer: try_files, then
# proxy_pass to the owner's peer server (keepalive), as the nginx role
# renders with nginx_peers.
HLS_LOCATION = """\
        location /hls/ {{
            alias {prefix}/hls/;
            vstream_hls_viewers {viewers} app=live;
        }}
"""
PEER_CONF = HLS_CONF.replace(HLS_LOCATION, HLS_LOCATION.replace("""\
        }}
""", """\
            try_files $uri @vstream_peers;
        }}
        location @vstream_peers {{
            proxy_pass http://vstream_peers;
            proxy_next_upstream error timeout http_404;
            proxy_next_upstream_tries 1;
            proxy_connect_timeout 500ms;
            proxy_read_timeout 2s;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
""") + """\
    }}
    upstream vstream_peers {{
        server 127.0.0.1:{upstream};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{peer};
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
""" + HLS_LOCATION)

# playlists only, from 10,000 addresses
PEER_LUA = """\
local n = 0
request = function()
    n = n + 1
    local a = (n * 7919) %% %(addresses)d
    return wrk.format("GET", "/hls/cam1.m3u8", {["X-Forwarded-For"] =
        string.format("10.%%d.%%d.%%d", math.floor(a / 65536) %% 256,
                      math.floor(a / 256) %% 256, a %% 256)})
end
"""


class PeerNginx(HlsNginx):
    """A frontend of two: the owner keeps the stream's files, the other
    has none and asks the owner's peer server."""

    def __init__(self, name, owner):
        HlsNginx.__init__(self, name, True)
        self.peer = free_port()
        if not owner:
            for f in os.listdir(os.path.join(self.prefix, 'hls')):
                os.unlink(os.path.join(self.prefix, 'hls', f))

    def write_peer_conf(self, upstream):
        with open(self.conf, 'w') as f:
            f.write(PEER_CONF.format(rtmp_so=RTMP_SO, module_so=MODULE_SO,
                                     prefix=self.prefix, rtmp=self.rtmp,
                                     http=self.http, viewers='on',
                                     peer=self.peer, upstream=upstream))


def bench_peer(args):
    sides = {'local': PeerNginx('peer-owner', True),
             'peer': PeerNginx('peer-proxy', False)}
    sides['local'].write_peer_conf(sides['peer'].peer)
    sides['peer'].write_peer_conf(sides['local'].peer)
    res = {name: {'rps': [], 'p99_ms': [], 'requests': []} for name in sides}
    script = os.path.join(sides['local'].prefix, 'playlists.lua')
    with open(script, 'w') as f:
        f.write(PEER_LUA % {'addresses': args.hls_addresses})
    flood = None
    try:
        for ng in sides.values():
            ng.start()
        flood = Flood(sides['local'], 1, '--name', 'cam1', '--duration', 0,
                      '--rate', 1)
        owner = sides['local']
        if not wait_for(lambda: len(owner.status()['streams']) == 1, 20):
            raise RuntimeError('the stream is not live on its owner')
        code, body = sides['peer'].get('/hls/cam1.m3u8')
        if code != 200 or b'cam1-0.ts' not in body:
            raise RuntimeError('the playlist through the peer: %d' % code)
        hls_rounds(args, sides, ['local', 'peer'], script, res)
        # every fetch counted once, on the owner: its own and the proxied
        time.sleep(1.0)
        st = owner.status()
        res['owner_playlist_requests'] = \
            st['streams'][0]['viewers']['playlist_requests']
        res['owner_viewers_active'] = st['streams'][0]['viewers']['active']
        res['proxy_unmatched'] = \
            sides['peer'].status()['totals']['hls_unmatched']
    finally:
        if flood:
            flood.stop()
        for ng in sides.values():
            ng.stop()
    for name in sides:
        res[name]['median_rps'] = median(res[name]['rps'])
        res[name]['median_p99_ms'] = median(res[name]['p99_ms'])
    res['rps_ratio'] = median([a / b for a, b in zip(res['peer']['rps'],
                                                     res['local']['rps'])])
    res['p99_ratio'] = median([a / b for a, b in zip(res['peer']['p99_ms'],
                                                     res['local']['p99_ms'])])
    res['requests'] = sum(res['local']['requests']) \
        + sum(res['peer']['requests'])
    res['addresses'] = args.hls_addresses
    res['connections'] = args.hls_connections
    res['seconds'] = args.wrk_seconds + 1
    return res


def wrk_hls(url, script, seconds, connections):
    """Returns (requests, req/s, p99 latency in ms)."""
    proc = subprocess.run(['wrk', '-t2', '-c%d' % connections,
                           '-d%ds' % seconds, '--timeout', '30s',
                           '--latency', '-s', script, url],
                          capture_output=True, text=True)
    out = proc.stdout
    requests = re.search(r'(\d+) requests in', out)
    rps = re.search(r'Requests/sec:\s+([\d.]+)', out)
    p99 = re.search(r'^\s+99%\s+([\d.]+)(us|ms|s)\s*$', out, re.M)
    errors = re.search(r'Socket errors: connect (\d+), read (\d+), '
                       r'write (\d+), timeout (\d+)', out)
    if proc.returncode or not (requests and rps and p99) or \
            'Non-2xx' in out or errors:
        raise RuntimeError('wrk %s: %s %s' % (url, out, proc.stderr))
    scale = {'us': 0.001, 'ms': 1.0, 's': 1000.0}[p99.group(2)]
    return int(requests.group(1)), float(rps.group(1)), \
        float(p99.group(1)) * scale


def hls_rounds(args, sides, order, script, res):
    """wrk on each side's playlist URL, the order alternating by round."""
    for r in range(args.hls_rounds):
        for name in (order if r % 2 == 0 else order[::-1]):
            url = sides[name].url('/hls/cam1.m3u8')
            n, rps, p99 = wrk_hls(url, script, args.wrk_seconds + 1,
                                  args.hls_connections)
            res[name]['requests'].append(n)
            res[name]['rps'].append(rps)
            res[name]['p99_ms'].append(p99)


def bench_hls(args):
    sides = {'off': HlsNginx('hls-off', False),
             'on': HlsNginx('hls-on', True)}
    res = {name: {'rps': [], 'p99_ms': [], 'requests': []} for name in sides}
    script = os.path.join(sides['on'].prefix, 'viewers.lua')
    with open(script, 'w') as f:
        f.write(HLS_LUA % {'addresses': args.hls_addresses})
    floods = []
    try:
        for name, ng in sides.items():
            ng.start()
            floods.append(Flood(ng, 1, '--name', 'cam1', '--duration', 0,
                                '--rate', 1))
        for name, ng in sides.items():
            if not wait_for(lambda: len(ng.status()['streams']) == 1, 20):
                raise RuntimeError('%s: the stream is not live' % name)
        hls_rounds(args, sides, ['off', 'on'], script, res)
        # the counting side counted: about every address, every request
        time.sleep(1.0)
        st = sides['on'].status()['streams'][0]['viewers']
        res['on']['viewers_active'] = st['active']
        res['on']['playlist_requests'] = st['playlist_requests']
        res['off']['playlist_requests'] = \
            sides['off'].status()['streams'][0]['viewers'][
                'playlist_requests']
    finally:
        for fl in floods:
            fl.stop()
        for ng in sides.values():
            ng.stop()
    for name in sides:
        res[name]['median_rps'] = median(res[name]['rps'])
        res[name]['median_p99_ms'] = median(res[name]['p99_ms'])
    rps_ratios = [a / b for a, b in zip(res['on']['rps'], res['off']['rps'])]
    p99_ratios = [a / b for a, b in zip(res['on']['p99_ms'],
                                        res['off']['p99_ms'])]
    res['rps_ratio'] = median(rps_ratios)
    res['rps_ratios'] = rps_ratios
    res['p99_ratio'] = median(p99_ratios)
    res['p99_ratios'] = p99_ratios
    res['addresses'] = args.hls_addresses
    res['connections'] = args.hls_connections
    res['seconds'] = args.wrk_seconds + 1
    res['counted_requests'] = sum(res['on']['requests']) // 2
    res['met'] = res['rps_ratio'] >= 0.98 and res['p99_ratio'] <= 1.10
    return res


# -- report ------------------------------------------------------------------

def machine():
    model = ''
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    nginx = subprocess.run([NGINX, '-v'], capture_output=True,
                           text=True).stderr.strip()
    return {'cpu': model, 'cores': os.cpu_count(),
            'kernel': platform.release(), 'nginx': nginx,
            'load_avg_at_start': os.getloadavg()[0]}


def fmt(v, spec='.0f'):
    return '-' if v is None else format(v, spec)


def table(report):
    lines = []
    add = lines.append
    ing = report.get('ingest')
    if ing:
        add('ingest: worker CPU for %d publishers x %d loops, full speed '
            '(median of %d)' % (ing['streams'], ing['loops'],
                                len(ing['plain']['cpu_s'])))
        for name, label in (('plain', 'nginx-rtmp alone'),
                            ('control', 'the same again (control)'),
                            ('module', 'with vstream (allow + stats)')):
            if name in ing:
                d = ing[name]
                add('  %-30s %8s ms  (user %s, sys %s ticks)%s' % (
                    label, fmt(d['median_cpu_s'] * 1000),
                    fmt(d['median_utime_ticks']),
                    fmt(d['median_stime_ticks']),
                    '' if d['complete'] else '  INCOMPLETE'))
        add('  %-30s %8s     pairs %s .. %s' % (
            'control / alone (noise)', fmt(ing['noise'], '.3f'),
            fmt(min(ing['control_ratios']), '.3f'),
            fmt(max(ing['control_ratios']), '.3f')))
        if 'module' in ing:
            add('  %-30s %8s     pairs %s .. %s; target <= 1.01: %s' % (
                'vstream / alone', fmt(ing['ratio'], '.3f'),
                fmt(min(ing['round_ratios']), '.3f'),
                fmt(max(ing['round_ratios']), '.3f'),
                'met' if ing['met'] else 'MISSED'))
        if ing.get('perf'):
            add('  %-30s %7.2f%%    of the worker\'s CPU samples '
                '(perf, cpu-clock)' % ('in the module\'s own code',
                                       ing['perf']['module_pct']))
    for key in sorted(report.get('status', {}), key=int):
        st = report['status'][key]
        add('status cost at %s live streams (wrk -c%d, %d s x %d rounds)'
            % (key, st['wrk']['connections'], st['wrk']['seconds'],
               len(st['rtmp_stat']['rps'])))
        add('  %-16s %8s %8s %12s %8s %9s %8s' % (
            'endpoint', 'req/s', 'x stat', 'worker us/req', 'x stat',
            'bytes', 'wrk cpu'))
        for name, _ in ENDPOINTS:
            if name not in st:
                continue
            e = st[name]
            add('  %-16s %8s %8s %12s %8s %9s %7s%%' % (
                name, fmt(e['median_rps']),
                fmt(e.get('rps_vs_rtmp_stat'), '.2f'),
                fmt(e['median_us_per_req']),
                fmt(e.get('cpu_vs_rtmp_stat'), '.2f'),
                e['bytes'], fmt(median(e['wrk_cpu']) * 100)))
        if 'above_floor_us' in st:
            a = st['above_floor_us']
            add('  above the HTTP floor (worker us/req): status %s, metrics %s,'
                ' rtmp_stat %s (%s x status)' % (
                    fmt(a['vstream_status']), fmt(a['vstream_metrics']),
                    fmt(a['rtmp_stat']),
                    fmt(st['vstream_status'].get('above_floor_vs_rtmp_stat'),
                        '.1f')))
        if 'note' in st:
            add('  note: ' + st['note'])
        if 'targets' in st:
            t = st['targets']
            add('  targets for status: >= 2x rtmp_stat req/s: %s measured, '
                '%s per worker CPU; <= %d us/render: %s' % (
                    'met' if t['rps_met'] else 'MISSED',
                    'met' if t['cpu_met'] else 'MISSED',
                    t['status_us_per_req'],
                    'met' if t['render_met'] else 'MISSED'))
    pol = report.get('polling')
    if pol:
        add('polling: %d real-time publishers, one pass of the file, '
            'status at %d req/s or not' % (pol['streams'], pol['rate']))
        for side in ('quiet', 'polled'):
            d = pol[side]
            add('  %-8s bytes_in %12s  frames %8s  tags sent %8s  '
                'late max %s ms' % (side, fmt(d['median_bytes_in']),
                                    fmt(d['median_frames']),
                                    fmt(median(d['tags_sent'])),
                                    fmt(max(d['late_max_ms']))))
        p = pol['polled']
        add('  polls %s, p99 %s ms, errors %d; lost frames %s, bytes %s: %s'
            % (fmt(median(p['polls'])), fmt(max(p['poll_p99_ms']), '.1f'),
               p['poll_errors'], fmt(pol['lost_frames']),
               fmt(pol['lost_bytes']), 'met' if pol['met'] else 'MISSED'))
    mem = report.get('memory')
    if mem:
        add('memory: streams that fit before zone_full (names %s)'
            % mem['name'])
        for z in mem['zones']:
            add('  vstream_zone %-6s %8d streams' % (z['zone'], z['streams']))
        add('  %s bytes of zone per stream; target <= 1024: %s' % (
            fmt(mem['bytes_per_stream']),
            'met' if mem['met'] else 'MISSED'))
    rec = report.get('record')
    if rec:
        add('record: worker CPU for %d real-time publishers x %d s, HLS on '
            '(median of %d)' % (rec['streams'], rec['seconds'],
                                len(rec['on']['cpu_s'])))
        for name, label in (('off', 'vstream_record_path off'),
                            ('control', 'the same again (control)'),
                            ('on', 'vstream_record_path on')):
            add('  %-30s %8s ms' % (label,
                                   fmt(rec[name]['median_cpu_s'] * 1000)))
        add('  %-30s %8s     pairs %s .. %s' % (
            'control / off (noise)', fmt(rec['noise'], '.3f'),
            fmt(min(rec['control_ratios']), '.3f'),
            fmt(max(rec['control_ratios']), '.3f')))
        add('  %-30s %8s     pairs %s .. %s; target <= 1.01: %s' % (
            'on / off', fmt(rec['ratio'], '.3f'),
            fmt(min(rec['round_ratios']), '.3f'),
            fmt(max(rec['round_ratios']), '.3f'),
            'met' if rec['met'] else 'MISSED'))
        add('  recorded: %s recordings (%s complete), %s segments, %s '
            'failures' % (rec.get('recordings'), rec.get('complete'),
                          rec.get('segments'), rec.get('failures')))
        if rec.get('perf'):
            add('  %-30s %7.2f%%    of the worker\'s CPU samples, recording '
                'on (perf, cpu-clock)' % ('in the module\'s own code',
                                          rec['perf']['module_pct']))
    hls = report.get('hls')
    if hls:
        add('hls: static playlist + 64 KiB segments, 2 workers, wrk -t2 -c%d '
            '%d s x %d rounds, %d client addresses' % (
                hls['connections'], hls['seconds'], len(hls['on']['rps']),
                hls['addresses']))
        for name, label in (('off', 'vstream_hls_viewers off'),
                            ('on', 'vstream_hls_viewers on')):
            d = hls[name]
            add('  %-26s %9s req/s  p99 %6s ms' % (
                label, fmt(d['median_rps']), fmt(d['median_p99_ms'], '.2f')))
        add('  on / off: req/s %s (pairs %s .. %s; target >= 0.98), p99 %s '
            '(target <= 1.10): %s' % (
                fmt(hls['rps_ratio'], '.3f'), fmt(min(hls['rps_ratios']), '.3f'),
                fmt(max(hls['rps_ratios']), '.3f'),
                fmt(hls['p99_ratio'], '.3f'),
                'met' if hls['met'] else 'MISSED'))
        add('  counted: viewers.active %s of %d addresses, %s playlist '
            'requests' % (hls['on'].get('viewers_active'), hls['addresses'],
                          hls['on'].get('playlist_requests')))
    peer = report.get('peer')
    if peer:
        add('peer: a playlist from its owner or through the other frontend '
            '(proxy_pass to the owner\'s peer server), 2 workers each, '
            'wrk -t2 -c%d %d s x %d rounds' % (
                peer['connections'], peer['seconds'],
                len(peer['local']['rps'])))
        for name, label in (('local', 'local (the owner)'),
                            ('peer', 'through a peer')):
            d = peer[name]
            add('  %-26s %9s req/s  p99 %6s ms' % (
                label, fmt(d['median_rps']), fmt(d['median_p99_ms'], '.2f')))
        add('  peer / local: req/s %s, p99 latency %s' % (
            fmt(peer['rps_ratio'], '.3f'), fmt(peer['p99_ratio'], '.2f')))
        add('  counted on the owner: %s playlist requests (wrk completed %d), '
            'viewers.active %s of %d addresses; unmatched on the proxy: %s'
            % (peer['owner_playlist_requests'], peer['requests'],
               peer['owner_viewers_active'], peer['addresses'],
               peer['proxy_unmatched']))
    for note in report.get('notes', []):
        add('note: ' + note)
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only',
                    default='ingest,status,polling,memory,record,hls,peer',
                    help='comma-separated parts to run')
    ap.add_argument('--rounds', type=int, default=5,
                    help='rounds of the status comparison')
    ap.add_argument('--ingest-rounds', type=int, default=21)
    ap.add_argument('--ingest-streams', type=int, default=20)
    ap.add_argument('--ingest-loops', type=int, default=90)
    ap.add_argument('--status-streams', default='20,1000,10000')
    ap.add_argument('--wrk-seconds', type=int, default=2)
    ap.add_argument('--wrk-connections', type=int, default=16)
    ap.add_argument('--poll-streams', type=int, default=20)
    ap.add_argument('--poll-rate', type=int, default=100)
    ap.add_argument('--poll-rounds', type=int, default=2)
    ap.add_argument('--memory-streams', type=int, default=3000)
    ap.add_argument('--zones', default='256k,1m')
    ap.add_argument('--record-rounds', type=int, default=5)
    ap.add_argument('--record-streams', type=int, default=20)
    ap.add_argument('--record-seconds', type=int, default=12)
    ap.add_argument('--hls-rounds', type=int, default=6)
    ap.add_argument('--hls-connections', type=int, default=64)
    ap.add_argument('--hls-addresses', type=int, default=10000)
    ap.add_argument('--json', default=os.path.join(BUILD, 'bench.json'))
    args = ap.parse_args()
    args.zones = args.zones.split(',')
    parts = args.only.split(',')

    for path, what in ((FLOOD, "rtmp-flood (make tools)"),
                       (FLV, "the sample FLV (make tools)"),
                       (NGINX, 'nginx'), (RTMP_SO, 'nginx-rtmp')):
        if not os.path.exists(path):
            sys.exit('bench: %s missing: %s' % (what, path))
    if not shutil.which('wrk'):
        sys.exit('bench: wrk missing (deploy/deps.sh bench)')

    ncpu = os.cpu_count()
    args.server_cpu = 1 if ncpu > 1 else None
    os.sched_setaffinity(0, {0})

    have_module = os.path.exists(MODULE_SO)
    report = {'date': datetime.datetime.now(datetime.timezone.utc)
              .strftime('%Y-%m-%dT%H:%M:%SZ'),
              'machine': machine(), 'args': vars(args), 'notes': []}
    if not have_module:
        report['notes'].append('module not built (%s): only the rtmp_stat '
                               'baseline ran' % MODULE_SO)
    if ncpu < 2:
        report['notes'].append('one CPU: nginx and the load share it')
    started = time.monotonic()

    def part(key, fn, *fargs):
        try:
            return fn(*fargs)
        except Exception as e:          # one broken part must not lose all
            say('%s failed: %s' % (key, e))
            report['notes'].append('%s failed: %s' % (key, str(e)[:300]))
            report['failed'] = True
            return None

    if 'ingest' in parts:
        say('ingest overhead ...')
        report['ingest'] = part('ingest', bench_ingest, args, have_module)
    if 'status' in parts:
        report['status'] = {}
        for n in args.status_streams.split(','):
            say('status cost at %s streams ...' % n)
            r = part('status at %s streams' % n, bench_status, args,
                     have_module, int(n))
            if r:
                report['status'][n] = r
    if have_module and 'polling' in parts:
        say('polling under load ...')
        report['polling'] = part('polling', bench_polling, args)
    if have_module and 'memory' in parts:
        say('memory per stream ...')
        report['memory'] = part('memory', bench_memory, args)
    if have_module and 'record' in parts:
        say('ingest with recording on and off ...')
        report['record'] = part('record', bench_record, args)
    if have_module and 'hls' in parts:
        say('HLS serving with and without viewer counting ...')
        report['hls'] = part('hls', bench_hls, args)
    if have_module and 'peer' in parts:
        say('HLS through a peer frontend against local ...')
        report['peer'] = part('peer', bench_peer, args)

    report['elapsed_s'] = round(time.monotonic() - started, 1)
    report['machine']['load_avg_at_end'] = os.getloadavg()[0]
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(report, f, indent=2, sort_keys=True)
        f.write('\n')
    print(table(report))
    print('(%s, %s, %d cores, load average %.1f .. %.1f; %.0f s; %s)' % (
        report['date'], report['machine']['cpu'], ncpu,
        report['machine']['load_avg_at_start'],
        report['machine']['load_avg_at_end'], report['elapsed_s'],
        args.json))
    sys.exit(1 if report.get('failed') else 0)


if __name__ == '__main__':
    main()
