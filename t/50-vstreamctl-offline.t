#!/usr/bin/perl

# vstreamctl without nginx.  A fake admin API (a forked Perl server on
# loopback, a free port, a bounded lifetime) serves canned answers: status
# documents new and old, an empty one, 401, 404, 202, 500 and garbage; it logs
# each request's method, path and Authorization header.  Against it: the
# table, --json passthrough, the token sent, exit codes 0/1/2 and one-line
# errors; a closed port and a server that never answers; TLS verification
# against openssl s_server with a self-signed certificate.  Signed keys are
# checked against openssl dgst, with VSTREAM_SIGN_NOW fixing "now".

use strict;
use warnings;
use FindBin;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use POSIX qw(_exit);
use Socket qw(SOL_SOCKET SO_RCVTIMEO);
use Test::More;

require "$FindBin::Bin/vstreamctl-lib.pl";

vstreamctl_path();

my $tmp = vstreamctl_tmp();
my $TOKEN = 'tok-5ec4e7-admin';
# a first word that is no key id: the bare secret of a one-line file
my $SECRET = 's3cr3t-publish key';

# ---- the fake admin API ---------------------------------------------------

my $STATUS = <<'END';
{"version": 1, "module_version": "0.1.0", "pid": 4242, "workers": 2,
 "totals": {"streams": 4, "publish_accepted": 7, "publish_denied": 2},
 "denied": [],
 "streams": [
  {"app": "live", "name": "cam2",
   "publisher": {"addr": "2001:db8::7", "uptime_s": 40},
   "bitrate_in_bps": 1234567,
   "video": {"codec": "H264", "width": 640, "height": 360, "fps": 29.97},
   "hls": {"healthy": false}, "viewers": {"active": 0}},
  {"app": "live", "name": "cam1",
   "publisher": {"addr": "10.0.2.15", "worker_pid": 4243, "uptime_s": 3725},
   "bytes_in": 123456, "bitrate_in_bps": 800000,
   "video": {"codec": "H264", "width": 1280, "height": 720, "fps": 25},
   "audio": {"codec": "AAC"},
   "hls": {"playlist": "cam1.m3u8", "healthy": true},
   "viewers": {"active": 3}},
  {"app": "old", "name": "x", "publisher": {"addr": "10.0.2.16"},
   "bitrate_in_bps": null, "video": null, "hls": null},
  {"app": "live", "name": "evil\u001b]0;owned\u0007\u009b31m",
   "publisher": {"addr": "10.0.2.17"}}
 ]}
END
chomp $STATUS;

my %ROUTES = (
    'GET /vstream/status'  => [200, $STATUS],
    'GET /empty/status'    => [200, '{"version":1,"totals":{"streams":0,'
                                  . '"publish_accepted":0,"publish_denied":5},"streams":[]}'],
    'GET /old/status'      => [200, '{"streams":[{"app":"live","name":"cam9"}]}'],
    'GET /garbage/status'  => [200, '<html>surely not JSON</html>'],
    'GET /array/status'    => [200, '[1, 2, 3]'],
    'GET /e500/status'     => [500, '{"error": "zone exhausted"}'],
    'GET /moved/status'    => [301, '', 'Location: https://elsewhere.test/vstream/status'],
    'GET /vstream/bans'    => [200, '[{"app":"live","stream":"cam1","until":"2026-12-01T13:00:00Z",'
                                  . '"seconds_left":597},{"app":"live","stream":"evil\u001b[31m",'
                                  . '"until":"2026-12-01T14:00:00Z","seconds_left":4197}]'],
    'GET /empty/bans'      => [200, "[]\n"],
    'GET /array/bans'      => [200, '{"bans": []}'],
);

sub respond {
    my ($c, $code, $body, @headers) = @_;
    my %reason = (200 => 'OK', 201 => 'Created', 202 => 'Accepted', 204 => 'No Content',
                  301 => 'Moved Permanently',
                  401 => 'Unauthorized', 404 => 'Not Found',
                  405 => 'Method Not Allowed', 500 => 'Internal Server Error');
    print $c "HTTP/1.1 $code $reason{$code}\r\n",
        "Content-Type: application/json\r\nCache-Control: no-store\r\n",
        map({ "$_\r\n" } @headers),
        'Content-Length: ' . length($body) . "\r\nConnection: close\r\n\r\n", $body;
}

sub serve {
    my ($c, $log) = @_;
    my $line = <$c>;
    return unless defined $line && $line =~ m{^(\S+) (\S+) HTTP/1\.[01]\r?\n$};
    my ($method, $path) = ($1, $2);
    my $auth = '-';
    while (my $h = <$c>) {
        last if $h =~ /^\r?\n$/;
        $auth = $1 if $h =~ /^Authorization:\s*(.*?)\r?\n$/i;
    }

    open(my $fh, '>>', $log) or die;
    print $fh "$method $path $auth\n";
    close $fh;

    if ($path =~ s{^/auth/}{/}) {
        return respond($c, 401, '{"error": "unauthorized"}',
                       'WWW-Authenticate: Bearer realm="vstream"')
            unless $auth eq "Bearer $TOKEN";
    }

    if ($path =~ m{^/vstream/streams/([^/]+)/([^/]+)$}) {
        return respond($c, 405, '{"error": "method not allowed"}', 'Allow: GET, DELETE')
            unless $method eq 'DELETE' || $method eq 'GET';
        return respond($c, 404, '{"error": "not live"}') if $2 eq 'gone';
        return respond($c, 202, '{}');
    }

    if ($path =~ m{^/vstream/bans/[^/]+/([^/?]+)}) {
        return respond($c, 404, '{"error": "no such ban"}') if $1 eq 'none';
        return respond($c, $method eq 'PUT' ? ($1 eq 'again' ? 200 : 201) : 204,
                       $method eq 'PUT' ? '{"status":"banned"}' : '');
    }

    my $r = $ROUTES{"$method $path"} || [404, '{"error": "not found"}'];
    respond($c, @$r);
}

my $log = "$tmp/requests.log";
my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Listen => 16, ReuseAddr => 1, Proto => 'tcp')
    or die "listen: $!";
my $port = $listen->sockport;

my $server = fork // die "fork: $!";
if (!$server) {
    alarm 120;      # the fake server never outlives a stuck test by long
    while (my $c = $listen->accept) {
        setsockopt($c, SOL_SOCKET, SO_RCVTIMEO, pack('l!l!', 5, 0));
        serve($c, $log);
        close $c;
    }
    _exit(0);
}
close $listen;

my $tls_server;

END {
    local $?;       # the test's own exit status, not the servers'
    for my $pid (grep { $_ } $server, $tls_server) {
        kill 'TERM', $pid;
        waitpid($pid, 0);
    }
}

# a port nothing listens on
my $probe = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, Proto => 'tcp') or die;
my $closed = $probe->sockport;
close $probe;

# a server that accepts connections (the kernel does) and never answers
my $mute = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                 Listen => 4, Proto => 'tcp') or die;
my $mute_port = $mute->sockport;

my $base = "http://127.0.0.1:$port";

sub write_file {
    my ($name, $content) = @_;
    open(my $fh, '>', "$tmp/$name") or die "$tmp/$name: $!";
    binmode $fh;
    print $fh $content;
    close $fh;
    return "$tmp/$name";
}

sub requests {
    open(my $fh, '<', $log) or return ();
    return <$fh>;
}

my @all_runs;

sub ctl {
    my $opt = ref $_[0] eq 'HASH' ? shift : {};
    my $r = vstreamctl_run($opt, @_);
    push @all_runs, $r;
    return $r;
}

# exit code, nothing on stdout, exactly one line on stderr matching $re
sub fails_with {
    my ($r, $rc, $re, $what) = @_;
    subtest $what => sub {
        is($r->{rc}, $rc, "exits $rc");
        is($r->{out}, '', 'prints nothing on stdout');
        like($r->{err}, qr/\Avstreamctl: [^\n]+\n\z/, 'says one line on stderr');
        like($r->{err}, $re, 'the line explains it');
    };
}

my $token_file = write_file('token', "$TOKEN\r\n  \t\n");
my $bad_token_file = write_file('bad-token', "not-the-token\n");

# ---- help and version ------------------------------------------------------

my $r = ctl('--help');
is($r->{rc}, 0, '--help exits 0');
for my $flag (qw(--url --token-file --json --secret-file --ttl --base --cacert
                 --insecure -k --timeout --help --version VSTREAM_URL
                 VSTREAM_TOKEN_FILE VSTREAM_SIGN_NOW status sign drop
                 bans ban unban --kid --ban)) {
    like($r->{out}, qr/(?<![\w-])\Q$flag\E\b/, "--help documents $flag");
}
ok(!grep({ length > 80 } split /\n/, $r->{out}), '--help fits in 80 columns');

$r = ctl('--version');
is($r->{rc}, 0, '--version exits 0');
like($r->{out}, qr/\Avstreamctl \d+\.\d+\.\d+ /, '--version names the version');

# ---- status: the table -----------------------------------------------------

$r = ctl('status', '--url', "$base/vstream");
is($r->{rc}, 0, 'status exits 0');
is($r->{err}, '', 'status says nothing on stderr');
my @lines = split /\n/, $r->{out};
like($lines[0], qr/^APP\/STREAM\s+PUBLISHER\s+UPTIME\s+BITRATE\s+RESOLUTION\s+HLS\s+VIEWERS$/,
     'the header names the columns in order');
like($lines[1], qr{^live/cam1\s+10\.0\.2\.15\s+1:02:05\s+800 kbps\s+1280x720\@25\s+ok\s+3$},
     'a full stream: publisher, h:mm:ss uptime, kbps, WxH@fps, healthy HLS, viewers');
like($lines[2], qr{^live/cam2\s+2001:db8::7\s+0:00:40\s+1235 kbps\s+640x360\@29\.97\s+stale\s+0$},
     'a stale HLS stream with fractional fps');
like($lines[3], qr{^live/evil\?\]0;owned\?\?31m\s+10\.0\.2\.17\s+-\s+-\s+-\s+-\s+-$},
     'control characters from the server are shown as ?');
like($lines[4], qr{^old/x\s+10\.0\.2\.16\s+-\s+-\s+-\s+-\s+-$},
     'absent and null fields show as -');
is($lines[5], 'totals: streams 4, accepted 7, denied 2', 'the totals line');
is(scalar @lines, 6, 'nothing else');
unlike($r->{out}, qr/[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]/, 'no control characters reach the terminal');
is(index($lines[1], '10.0.2.15'), index($lines[0], 'PUBLISHER'), 'columns are aligned');
is(index($lines[1], 'ok'), index($lines[0], 'HLS'), 'columns are aligned to the end');
is(length($lines[1]), length($lines[0]), 'right-aligned last column ends under its title');

$r = ctl('status', '--url', "$base/vstream///");
is($r->{rc}, 0, 'a base URL with trailing slashes works');
like($r->{out}, qr{^live/cam1 }m, '... and gives the table');

$r = ctl({ env => { VSTREAM_URL => "$base/vstream/" } }, 'status');
is($r->{rc}, 0, 'VSTREAM_URL stands in for --url');
like($r->{out}, qr{^live/cam1 }m, '... and gives the table');

$r = ctl({ env => { VSTREAM_URL => "http://127.0.0.1:$closed/vstream" } },
         'status', '--url', "$base/vstream");
is($r->{rc}, 0, '--url wins over VSTREAM_URL');

$r = ctl('status', '--url', "$base/empty");
is($r->{rc}, 0, 'no live streams: exits 0');
is($r->{out}, "no live streams\ntotals: streams 0, accepted 0, denied 5\n",
   'no live streams: says so, with the totals');

$r = ctl('status', '--url', "$base/old");
is($r->{rc}, 0, 'an older server: exits 0');
like($r->{out}, qr{^live/cam9\s+-\s+-\s+-\s+-\s+-\s+-\n}m, 'an older server: dashes');
like($r->{out}, qr/^totals: streams 1, accepted -, denied -$/m,
     'an older server: totals from what is there');

# ---- status --json -----------------------------------------------------------

$r = ctl('status', '--json', '--url', "$base/vstream");
is($r->{rc}, 0, 'status --json exits 0');
is($r->{out}, "$STATUS\n", 'status --json passes the document through');

$r = ctl('--json', '--url', "$base/vstream", 'status');
is($r->{out}, "$STATUS\n", 'options may come before the command');

# ---- the token -------------------------------------------------------------

unlink $log;
$r = ctl('status', '--url', "$base/vstream");
my @req = requests();
is(scalar @req, 1, 'one request per status');
is($req[0], "GET /vstream/status -\n", 'no token file: no Authorization header');

unlink $log;
$r = ctl('status', '--url', "$base/auth/vstream", '--token-file', $token_file);
is($r->{rc}, 0, 'status with the right token exits 0');
like($r->{out}, qr{^live/cam1 }m, '... and gives the table');
is((requests())[0], "GET /auth/vstream/status Bearer $TOKEN\n",
   'the token is sent as a Bearer token, trailing whitespace trimmed');

$r = ctl({ env => { VSTREAM_TOKEN_FILE => $token_file } },
         'status', '--url', "$base/auth/vstream");
is($r->{rc}, 0, 'VSTREAM_TOKEN_FILE stands in for --token-file');

fails_with(ctl('status', '--url', "$base/auth/vstream", '--token-file', $bad_token_file),
           1, qr/^vstreamctl: 401 Unauthorized: check --token-file$/, 'a wrong token');
fails_with(ctl('status', '--url', "$base/auth/vstream"),
           1, qr/401 Unauthorized: .*--token-file/, 'no token where one is needed');
fails_with(ctl('status', '--url', "$base/vstream", '--token-file', "$tmp/missing"),
           2, qr/cannot read token file \Q$tmp\E\/missing: No such file or directory/,
           'a missing token file');
fails_with(ctl('status', '--url', "$base/vstream", '--token-file',
               write_file('blank-token', " \r\n\t\n")),
           2, qr/token file .* is empty/, 'a token file of whitespace only');
fails_with(ctl('status', '--url', "$base/vstream", '--token-file',
               write_file('two-line-token', "abc\ndef\n")),
           2, qr/token file .*: the token must be one word/, 'a token of two lines');
fails_with(ctl('status', '--url', "$base/vstream", '--token-file',
               write_file('control-token', "abc\x01def\n")),
           2, qr/token file .*: the token must be one word/, 'a token with a control character');

# ---- status: failures --------------------------------------------------------

fails_with(ctl('status', '--url', "http://127.0.0.1:$closed/vstream"), 1,
           qr{^vstreamctl: cannot connect to http://127\.0\.0\.1:$closed/vstream/status: Connection refused$},
           'nothing listening: connection refused');
$r = ctl('status', '--url', "http://127.0.0.1:$mute_port/vstream", '--timeout', '1');
fails_with($r, 1, qr{no answer from http://127\.0\.0\.1:$mute_port/vstream/status within 1 s},
           'a server that never answers: --timeout');
cmp_ok($r->{secs}, '<', 5, '--timeout 1 gives up in time');
fails_with(ctl('status', '--url', "$base/garbage"), 1,
           qr{^vstreamctl: bad JSON from \Q$base\E/garbage/status: .+},
           'garbage instead of JSON');
fails_with(ctl('status', '--json', '--url', "$base/garbage"), 1,
           qr{bad JSON from}, '--json checks the document too');
fails_with(ctl('status', '--url', "$base/array"), 1,
           qr{bad JSON from .*not a status document}, 'JSON that is not a status document');
fails_with(ctl('status', '--url', "$base/e500"), 1,
           qr{^vstreamctl: 500 Internal Server Error from \Q$base\E/e500/status: zone exhausted$},
           'a server error, with its message');
fails_with(ctl('status', '--url', "$base/nothing-here"), 1,
           qr{404 Not Found from \Q$base\E/nothing-here/status}, 'a base URL that is not the admin API');
fails_with(ctl('status', '--url', "$base/moved"), 1,
           qr{301 .*redirected to https://elsewhere\.test/vstream/status}, 'a redirect is reported, not followed');
like($all_runs[-1]{err}, qr{give --url https://elsewhere\.test/vstream$}m,
     '... with the base to give as --url (not the status URL)');
fails_with(ctl('status', '--url', "http://user:pa55word\@127.0.0.1:$closed/vstream"), 1,
           qr{cannot connect to http://127\.0\.0\.1:$closed/vstream/status}, 'credentials in the URL');
unlike($all_runs[-1]{err}, qr/pa55word/, '... are not shown');

# ---- drop -------------------------------------------------------------------

unlink $log;
$r = ctl('drop', 'live/cam1', '--url', "$base/vstream");
is($r->{rc}, 0, 'drop exits 0 on 202');
is($r->{out}, "live/cam1: disconnect requested (202)\n", 'drop says what it did');
is($r->{err}, '', 'drop says nothing on stderr');
is((requests())[0], "DELETE /vstream/streams/live/cam1 -\n", 'drop sends DELETE BASE/streams/APP/NAME');

unlink $log;
$r = ctl('drop', "l\xc3\xa2ve/cam 1%+", '--url', "$base/vstream/");
is($r->{rc}, 0, 'drop of an odd name exits 0');
is((requests())[0], "DELETE /vstream/streams/l%C3%A2ve/cam%201%25%2B -\n",
   'APP and NAME are percent-encoded');

fails_with(ctl('drop', 'live/gone', '--url', "$base/vstream"), 1,
           qr/^vstreamctl: no live stream live\/gone \(404\)$/, 'drop of a stream that is not live');
fails_with(ctl('drop', 'live/cam1', '--url', "$base/auth/vstream"), 1,
           qr/401 Unauthorized/, 'drop without the token');
unlink $log;
$r = ctl('drop', 'live/cam1', '--url', "$base/auth/vstream", '--token-file', $token_file);
is($r->{rc}, 0, 'drop with the token exits 0');
is((requests())[0], "DELETE /auth/vstream/streams/live/cam1 Bearer $TOKEN\n", 'drop sends the token');
fails_with(ctl('drop', 'live/cam1', '--url', "http://127.0.0.1:$closed/vstream"), 1,
           qr/cannot connect to .*: Connection refused$/, 'drop with nothing listening');

# ---- usage errors ------------------------------------------------------------

my $secret_file = write_file('secret', "$SECRET \t\r\n\n");

for my $case (
    [[], qr/no command given/, 'no command'],
    [['stats'], qr/unknown command "stats"/, 'an unknown command'],
    [['status', '--bogus'], qr/unknown option --bogus/, 'an unknown option'],
    [['status', '-x'], qr/unknown option -x/, 'an unknown short option'],
    [['status', '--url'], qr/--url needs a value/, 'an option without its value'],
    [['status', 'live/cam1'], qr/status takes no argument/, 'status with an argument'],
    [['status', '--url', 'ftp://127.0.0.1/vstream'], qr/invalid --url/, 'a URL that is not http(s)'],
    [['status', '--url', "$base/vstream?x=1"], qr/invalid --url/, 'a URL with a query'],
    [['status', '--timeout', '0'], qr/invalid --timeout "0"/, 'a zero timeout'],
    [['status', '--timeout', '1s'], qr/invalid --timeout "1s"/, 'a timeout with a unit'],
    [['status', '--secret-file', $secret_file], qr/--secret-file does not apply to status/,
     'a sign option given to status'],
    [['status', '--cacert', "$tmp/no-ca.pem"], qr/cannot read --cacert/, 'a missing CA file'],
    [['drop'], qr/drop needs exactly one APP\/STREAM/, 'drop without a stream'],
    [['drop', 'live/a', 'live/b'], qr/drop needs exactly one APP\/STREAM/, 'drop with two'],
    [['drop', 'live'], qr/"live" is not APP\/STREAM/, 'drop without a slash'],
    [['drop', '/cam1'], qr/empty application/, 'drop with an empty application'],
    [['drop', 'live/'], qr/empty stream name/, 'drop with an empty stream name'],
    [['drop', 'live/a/b'], qr/invalid stream name/, 'drop with two slashes'],
    [['drop', "live/ca\tm"], qr/invalid stream name in "live\/ca\?m"/, 'a control character'],
    [['drop', 'live/cam?x=1'], qr/invalid stream name/, 'a question mark'],
    [['drop', 'live/cam1', '--json'], qr/--json does not apply to drop/, '--json given to drop'],
    [['drop', 'live/cam1', '--ban', '0'], qr/invalid --ban "0": expected a whole number from 1 to 2592000/,
     'drop --ban 0'],
    [['drop', 'live/cam1', '--ban', '2592001'], qr/invalid --ban "2592001"/, 'drop --ban over 30 days'],
    [['status', '--ban', '5'], qr/--ban does not apply to status/, '--ban given to status'],
    [['ban', 'live/cam1'], qr/ban needs APP\/STREAM and SECONDS/, 'ban without seconds'],
    [['ban', 'live/cam1', '--', '-5'], qr/invalid SECONDS "-5"/, 'ban with negative seconds'],
    [['ban', 'live/cam1', 'soon'], qr/invalid SECONDS "soon"/, 'ban with seconds not a number'],
    [['ban', 'live', '60'], qr/"live" is not APP\/STREAM/, 'ban without a slash'],
    [['unban'], qr/unban needs exactly one APP\/STREAM/, 'unban without a stream'],
    [['bans', 'live/cam1'], qr/bans takes no argument/, 'bans with an argument'],
    [['bans', '--kid', 'k1'], qr/--kid does not apply to bans/, '--kid given to bans'],
    [['sign', '--secret-file', $secret_file, 'live/cam1', '--kid', 'k!'],
     qr/invalid --kid "k!": expected 1 to 8 of A-Z, a-z, 0-9/, 'an invalid --kid'],
    [['sign', '--secret-file', $secret_file, 'live/cam1', '--kid', 'k1'],
     qr/holds one secret without a key id: sign without --kid/, '--kid with a bare secret'],
    [['sign', '--secret-file', write_file('keys-bad', "k1 a\nk2\n"), 'live/cam1'],
     qr/secret file .*keys-bad, line 2: expected "KID SECRET"/, 'a key line without its secret'],
    [['sign', '--secret-file', write_file('keys-two', "k1 a\nk2 b\n"), 'live/cam1', '--kid', 'k3'],
     qr/no key "k3" in the secret file/, 'a --kid the file does not hold'],
    [['sign', 'live/cam1'], qr/sign needs --secret-file/, 'sign without a secret'],
    [['sign', '--secret-file', $secret_file], qr/sign needs exactly one/, 'sign without a stream'],
    [['sign', '--secret-file', $secret_file, 'live/cam1', '--url', $base],
     qr/--url does not apply to sign/, '--url given to sign'],
    [['sign', '--secret-file', $secret_file, 'live/cam1', '--ttl', '0'],
     qr/invalid --ttl "0"/, 'a zero ttl'],
    [['sign', '--secret-file', $secret_file, 'live/cam1', '--ttl', '-5'],
     qr/invalid --ttl "-5"/, 'a negative ttl'],
    [['sign', '--secret-file', "$tmp/missing", 'live/cam1'],
     qr/cannot read secret file .*: No such file or directory/, 'a missing secret file'],
    [['sign', '--secret-file', write_file('empty-secret', "\n\n"), 'live/cam1'],
     qr/secret file .* is empty/, 'an empty secret file'],
    [['sign', '--secret-file', $tmp, 'live/cam1'],
     qr/cannot read secret file .*: Is a directory/, 'a directory as secret file'],
    [['sign', '--secret-file', $secret_file, 'live/cam1', '--base', 'rtmp://host/other'],
     qr/--base "rtmp:\/\/host\/other" does not end in the application "live"/,
     '--base for another application'],
    [['sign', '--secret-file', $secret_file, 'live/cam1', '--base', 'rtmp://host/'],
     qr/invalid --base .*no application/, '--base without an application'],
    [['sign', '--secret-file', $secret_file, 'live/cam1', '--base', 'host/live'],
     qr/invalid --base/, '--base without a scheme'],
) {
    my ($args, $re, $what) = @$case;
    fails_with(ctl(@$args), 2, $re, "usage: $what");
}

fails_with(ctl({ env => { VSTREAM_SIGN_NOW => 'soon' } },
               'sign', '--secret-file', $secret_file, 'live/cam1'),
           2, qr/invalid VSTREAM_SIGN_NOW/, 'usage: a bad VSTREAM_SIGN_NOW');

# ---- sign ------------------------------------------------------------------

# the reference: openssl dgst over the same message, base64url without padding
sub openssl_sig {
    my ($key_args, $msg) = @_;
    my $file = write_file('msg', $msg);
    open(my $fh, '-|', 'openssl', 'dgst', '-sha256', @$key_args, '-binary', $file)
        or die "openssl: $!";
    binmode $fh;
    local $/;
    my $mac = <$fh>;
    close $fh or die "openssl dgst failed";
    die 'openssl gave no 32-byte MAC' unless length($mac) == 32;
    (my $sig = encode_base64($mac, '')) =~ tr{+/=}{-_}d;
    return $sig;
}

my $NOW = 1700000000;
my %now = (env => { VSTREAM_SIGN_NOW => $NOW });

$r = ctl(\%now, 'sign', '--secret-file', $secret_file, 'live/cam1');
my $exp = $NOW + 3600;
is($r->{rc}, 0, 'sign exits 0');
is($r->{err}, '', 'sign says nothing on stderr');
is($r->{out}, "live/cam1?exp=$exp&sig=" . openssl_sig(['-hmac', $SECRET], "live/cam1:$exp") . "\n",
   'sign: APP/STREAM?exp=now+3600&sig=, the signature agrees with openssl, whitespace trimmed');
unlike($r->{out}, qr/\Q$SECRET\E/, 'the secret is not printed');

$r = ctl(\%now, 'sign', '--secret-file', $secret_file, 'live/cam1', '--ttl', '60',
         '--base', 'rtmp://10.0.1.5:1935/live');
$exp = $NOW + 60;
is($r->{out}, "rtmp://10.0.1.5:1935/live/cam1?exp=$exp&sig="
              . openssl_sig(['-hmac', $SECRET], "live/cam1:$exp") . "\n",
   'sign --ttl --base: BASE/STREAM?exp=now+ttl&sig=');

$r = ctl(\%now, 'sign', '--base', 'rtmp://host/live/', '--secret-file', $secret_file, 'live/cam1');
like($r->{out}, qr{^rtmp://host/live/cam1\?exp=\d+&sig=[\w-]{43}\n\z}, '--base: a trailing slash is dropped');

my $raw_secret = "\x01\xff\x00key with spaces";
$r = ctl(\%now, 'sign', '--secret-file', write_file('raw-secret', "$raw_secret\n"),
         "r\xc3\xa9cital/stage-2");
$exp = $NOW + 3600;
is($r->{out}, "r\xc3\xa9cital/stage-2?exp=$exp&sig="
              . openssl_sig(['-mac', 'HMAC', '-macopt', 'hexkey:' . unpack('H*', $raw_secret)],
                            "r\xc3\xa9cital/stage-2:$exp") . "\n",
   'a binary secret and a non-ASCII name agree with openssl -macopt hexkey');

$r = ctl('sign', '--secret-file', $secret_file, 'live/cam1');
my ($real_exp) = $r->{out} =~ /exp=(\d+)&/;
ok(defined $real_exp && abs($real_exp - (time + 3600)) <= 5,
   'without VSTREAM_SIGN_NOW the key expires an hour from the clock');

# key ids: "KID SECRET" lines; the last key by default, or --kid
my $keys = write_file('keys', "k1 first secret\r\n\n  k2\tsecond secret  \n");
$r = ctl(\%now, 'sign', '--secret-file', $keys, 'live/cam1');
$exp = $NOW + 3600;
is($r->{out}, "live/cam1?exp=$exp&kid=k2&sig="
              . openssl_sig(['-hmac', 'second secret'], "live/cam1:$exp:k2") . "\n",
   'sign with a key file: the last key, &kid=k2, signed over APP/STREAM:EXP:KID');
$r = ctl(\%now, 'sign', '--secret-file', $keys, 'live/cam1', '--kid', 'k1', '--base', 'rtmp://h/live');
is($r->{out}, "rtmp://h/live/cam1?exp=$exp&kid=k1&sig="
              . openssl_sig(['-hmac', 'first secret'], "live/cam1:$exp:k1") . "\n",
   'sign --kid k1: that key');
$r = ctl(\%now, 'sign', '--secret-file', write_file('one-key', "k7 only secret\n"), 'live/cam1');
is($r->{out}, "live/cam1?exp=$exp&kid=k7&sig="
              . openssl_sig(['-hmac', 'only secret'], "live/cam1:$exp:k7") . "\n",
   'a file of one "KID SECRET" line signs with its kid');

# ---- bans, ban, unban, drop --ban ------------------------------------------------

unlink $log;
$r = ctl('drop', 'live/cam1', '--ban', '600', '--url', "$base/vstream");
is($r->{out}, "live/cam1: disconnect requested, banned for 600s (202)\n", 'drop --ban says what it did');
is((requests())[0], "DELETE /vstream/streams/live/cam1?ban=600 -\n", '... DELETE streams/APP/NAME?ban=S');
unlink $log;
$r = ctl('ban', 'live/cam1', '60', '--url', "$base/vstream");
is($r->{out}, "live/cam1: banned for 60s (201)\n", 'ban: banned (201)');
is((requests())[0], "PUT /vstream/bans/live/cam1?seconds=60 -\n", '... PUT bans/APP/NAME?seconds=S');
$r = ctl('ban', 'live/again', '60', '--url', "$base/vstream");
is($r->{out}, "live/again: ban updated for 60s (200)\n", 'ban of a banned name: updated (200)');
unlink $log;
$r = ctl('unban', 'live/cam1', '--url', "$base/vstream");
is($r->{out}, "live/cam1: ban lifted (204)\n", 'unban: lifted (204)');
is((requests())[0], "DELETE /vstream/bans/live/cam1 -\n", '... DELETE bans/APP/NAME');
fails_with(ctl('unban', 'live/none', '--url', "$base/vstream"), 1,
           qr/^vstreamctl: live\/none is not banned \(404\)$/, 'unban of a name not banned');
$r = ctl('bans', '--url', "$base/vstream");
is($r->{rc}, 0, 'bans exits 0');
like($r->{out}, qr{\AAPP/STREAM\s+UNTIL\s+LEFT\nlive/cam1\s+2026-12-01T13:00:00Z\s+597s\n}, 'bans: a table');
like($r->{out}, qr{live/evil\?\[31m\s+2026-12-01T14:00:00Z\s+4197s\n\z}, '... control characters shown as ?');
is(ctl('bans', '--url', "$base/empty")->{out}, "no bans\n", 'bans with none: says so');
is(ctl('bans', '--json', '--url', "$base/empty")->{out}, "[]\n", 'bans --json: as received');
fails_with(ctl('bans', '--url', "$base/array"), 1, qr/not a list of bans/, 'bans: not a list');

# ---- TLS: verified by default, --cacert, --insecure -------------------------

# openssl s_server -HTTP serves files holding whole HTTP answers
SKIP: {
    my $tls = "$tmp/tls";
    mkdir $tls;
    mkdir "$tls/vstream";
    write_file('tls/vstream/status', "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
               . 'Content-Length: ' . length($STATUS) . "\r\nConnection: close\r\n\r\n$STATUS");
    open(my $stderr, '>&', \*STDERR) or die;
    open(STDERR, '>', "$tls/req.log") or die;
    my $req = system('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                     'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
                     '-keyout', "$tls/key.pem", '-out', "$tls/cert.pem",
                     '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
    open(STDERR, '>&', $stderr) or die;
    skip 'openssl cannot make a certificate', 7 if $req != 0;

    my $p = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, Proto => 'tcp') or die;
    my $tls_port = $p->sockport;
    close $p;

    $tls_server = fork // die "fork: $!";
    if (!$tls_server) {
        chdir $tls or _exit(1);
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', '/dev/null');
        open(STDERR, '>', '/dev/null');
        alarm 120;
        exec('openssl', 's_server', '-accept', "127.0.0.1:$tls_port", '-cert', 'cert.pem',
             '-key', 'key.pem', '-HTTP', '-quiet') or _exit(127);
    }

    my $up = 0;
    for (1 .. 100) {
        last if $up = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$tls_port", Proto => 'tcp');
        select(undef, undef, undef, 0.05);
    }
    skip 'openssl s_server did not start', 7 unless $up;
    close $up;

    my $url = "https://127.0.0.1:$tls_port/vstream";
    fails_with(ctl('status', '--url', $url), 1,
               qr{^vstreamctl: TLS with \Q$url\E/status failed: .*certificate.*--cacert},
               'TLS: an unknown certificate is refused by default');
    $r = ctl('status', '--url', $url, '--cacert', "$tls/cert.pem");
    is($r->{rc}, 0, 'TLS: --cacert trusts it');
    like($r->{out}, qr{^live/cam1 }m, 'TLS: --cacert gives the table');
    fails_with(ctl('status', '--url', "https://localhost:$tls_port/vstream",
                   '--cacert', "$tls/cert.pem"), 1,
               qr{TLS with .* failed: .*localhost}, 'TLS: a name the certificate lacks is refused');
    $r = ctl('status', '--url', $url, '-k');
    is($r->{rc}, 0, 'TLS: -k skips verification');
    like($r->{out}, qr{^live/cam1 }m, 'TLS: -k gives the table');
    $r = ctl('status', '--url', $url, '--insecure', '--json');
    is($r->{out}, "$STATUS\n", 'TLS: --insecure --json passes the document through');
}

# ---- across all runs --------------------------------------------------------

ok(!grep({ "$_->{out}$_->{err}" =~ /\Q$TOKEN\E|\Q$SECRET\E/ } @all_runs),
   'no run ever printed the token or the secret');
vstreamctl_valgrind_ok();

close $mute;
done_testing();
