#!/usr/bin/perl

# Stream names are bytes from the network: publishes whose names are not
# strict UTF-8 (overlong forms, surrogates, above U+10FFFF, cut short, stray
# continuation bytes) or hold control bytes are refused as bad_name, and
# whatever they held, /vstream/status stays strict UTF-8 JSON and
# /vstream/metrics passes promtool, even where the denied ring cut a name
# inside a character.  A name of valid multibyte UTF-8 publishes and is
# shown unchanged.  nginx -t warns of an admin location open to anyone.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use VStream::Test qw(wait_for);

my $top = VStream::Test::top();
my $flood = "$top/build/rtmp-flood";
my $flv = "$top/build/bench/sample.flv";

plan(skip_all => "$flood not built; run 'make tools'") unless -x $flood;
plan(skip_all => "$flv missing; run 'make tools'") unless -f $flv;

my $t = VStream::Test->new();

$t->write_conf(<<'END');
%%PREAMBLE%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live { live on; }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ { vstream_admin; }
    }
}
END

# RFC 3629 as a regex, independent of the module's decoder and of Encode
# (whose strict UTF-8 also refuses noncharacters, which are valid UTF-8)
my $utf8 = qr/\A(?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]
              |\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}
              |\xed[\x80-\x9f][\x80-\xbf]
              |\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}
              |\xf4[\x80-\x8f][\x80-\xbf]{2})*\z/x;

# 1. nginx -t: an admin location with neither token nor allow/deny warns

my $warn = qr/the admin API .* is open to anyone/;
my ($ok, $out) = $t->test_config;
ok($ok, 'nginx -t accepts an open admin location');
like($out, $warn, '... with a warning that it is open to anyone');
like($out, qr/\[warn\]/, '... at level warn');

$t->write_file('conf/admin.token', "t0ken-$$\n", 0600);
my $base = $t->read_file('conf/nginx.conf');

for my $case (['a token', 'vstream_admin_token_file admin.token;'],
              ['allow/deny', 'allow 127.0.0.1; deny all;'],
              ['deny only', 'deny 10.0.0.0/8;']) {
    (my $conf = $base) =~ s/vstream_admin; \}/vstream_admin; $case->[1] }/;
    my $file = $t->write_file('conf/closed.conf', $conf);
    ($ok, $out) = $t->test_config($file);
    ok($ok, "nginx -t accepts an admin location with $case->[0]");
    unlike($out, $warn, '... without the warning');
}

{
    # allow/deny in the server block reach the location by inheritance
    (my $conf = $base) =~ s/(location \/vstream\/)/allow 127.0.0.1; deny all; $1/;
    my $file = $t->write_file('conf/inherit.conf', $conf);
    ($ok, $out) = $t->test_config($file);
    unlike($out, $warn, 'rules inherited from the server block: no warning');
}

$t->run;
my $url = 'rtmp://127.0.0.1:' . $t->port('rtmp') . '/live';
my $log = $t->prefix . '/logs';

# 2. hostile names, all publishing at once

my %bad = (
    'overlong /'        => "ov\xc0\xaf",
    'overlong 3-byte'   => "ov3\xe0\x80\xaf",
    'overlong 4-byte'   => "ov4\xf0\x8f\xbf\xbf",
    'surrogate D800'    => "sur\xed\xa0\x80",
    'surrogate DFFF'    => "sur2\xed\xbf\xbf",
    'above U+10FFFF'    => "big\xf4\x90\x80\x80",
    'F5 lead byte'      => "f5\xf5\x80\x80\x80",
    'cut short at end'  => "cut\xe2\x82",
    'cut short inside'  => "cut\xe2\x82mid",
    'lone continuation' => "cont\x80\xbfx",
    'FF byte'           => "ff\xff",
    'control byte'      => "ctl\x01x",
    'escape byte'       => "esc\x1b[31m",
    'DEL byte'          => "del\x7f",
    'cut by the ring'   => ('a' x 63) . "\xc3\xa9\xff",
);

my $good = "caf\xc3\xa9-\xc2\x80\xdf\xbf-\xe0\xa0\x80\xe6\x97\xa5\xef\xbf\xbd"
           . "-\xf0\x90\x80\x80\xf0\x9f\x8e\xa5\xf4\x8f\xbf\xbd";

sub flood {
    my ($tag, $name, $seconds) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$log/flood-$tag.out";
        open STDERR, '>', "$log/flood-$tag.err";
        exec $flood, '--flv', $flv, '--url', $url, '--name', $name,
             '--duration', $seconds, '--timeout', 5 or exit 127;
    }
    return $pid;
}

my $n = 0;
my %pid = map { $_ => flood('bad' . $n++, $bad{$_}, 8) } sort keys %bad;
my $goodpid = flood('good', $good, 20);

# every publish has been decided: refused ones in the ring, others live
my $doc;
ok(wait_for(sub {
    my $r = $t->get('/vstream/status');
    $doc = eval { JSON::PP->new->decode($r->{content}) } or return 0;
    @{ $doc->{denied} } + @{ $doc->{streams} } >= keys(%bad) + 1;
}, 20), 'every publish was decided') or diag(explain($doc));

my $status = $t->get('/vstream/status');
is($status->{status}, 200, 'status: 200');
like($status->{content}, $utf8, 'status is strict UTF-8')
    or diag(join ' ', map { sprintf '%02x', ord }
            split //, ($status->{content} =~ /([\x80-\xff].{0,8})/s)[0] // '');
my $json = eval { JSON::PP->new->utf8->decode($status->{content}) };
ok($json, 'status decodes as strict UTF-8 JSON') or diag($@);
$json ||= { denied => [], streams => [] };

my %denied = map { $_->{stream} => $_ } @{ $json->{denied} };
my %live = map { $_->{name} => $_ } @{ $json->{streams} };

my $decoded = "caf\x{e9}-\x{80}\x{7ff}-\x{800}\x{65e5}\x{fffd}"
              . "-\x{10000}\x{1f3a5}\x{10fffd}";

is(join(' ', grep { $_ ne $decoded } keys %live), '', 'no bad name is live');
is(scalar(grep { $_->{reason} eq 'bad_name' } @{ $json->{denied} }),
   scalar(keys %bad), 'each bad name is refused as bad_name');
is(scalar(@{ $json->{denied} }), scalar(keys %bad), 'and nothing else refused');

# what the ring shows: the bad bytes as U+FFFD, the control bytes as such
my %shown = map { $_->{stream} => 1 } @{ $json->{denied} };
ok($shown{"sur\x{fffd}\x{fffd}\x{fffd}"},
   "a surrogate shows as three U+FFFD (Unicode's maximal subparts)")
    or diag(explain([keys %shown]));
ok($shown{"ov\x{fffd}\x{fffd}"}, 'C0 AF shows as two U+FFFD');
ok($shown{"cut\x{fffd}mid"}, 'a cut sequence shows as one U+FFFD');
ok($shown{"ctl\x{1}x"}, 'a control byte shows as itself, escaped');
ok($shown{('a' x 63) . "\x{fffd}"}, 'the ring cut inside a character: U+FFFD');

# 3. the valid multibyte name, unchanged

ok($live{$decoded}, 'the valid multibyte name is live, unchanged')
    or diag(explain([keys %live]));
like($status->{content}, qr/"name":"\Q$good\E"/,
     '... its bytes as they came, not escaped');

my $one = $t->get("/vstream/streams/live/" . join '',
                  map { sprintf '%%%02X', ord } split //, $good);
is($one->{status}, 200, 'its own resource answers (percent-encoded URI)');

my $m = $t->get('/vstream/metrics');
is($m->{status}, 200, 'metrics: 200');
like($m->{content}, $utf8, 'metrics are strict UTF-8');
like($m->{content}, qr/^vstream_stream_received_bytes_total\{app="live",stream="\Q$good\E"\} \d+$/m,
     'metrics label the stream with its name unchanged');

SKIP: {
    skip 'promtool not installed', 1 unless -x '/usr/bin/promtool';
    $t->write_file('metrics.txt', $m->{content});
    my $p = `promtool check metrics < @{[$t->prefix]}/metrics.txt 2>&1`;
    is($?, 0, 'promtool accepts the exposition') or diag($p);
}

# the admin routes: a name that could never publish is no stream at all
for my $method (qw(GET DELETE)) {
    my $r = $t->http($method, '/vstream/streams/live/sur%ED%A0%80');
    is($r->{status}, 404, "$method of a surrogate name: 404");
    like($r->{content}, qr/^\{"error":"no such stream"\}$/, '... no such stream');
}

# the refused publishers were told so and went away
for my $case (sort keys %bad) {
    my $done = wait_for(sub { waitpid($pid{$case}, WNOHANG) == $pid{$case} }, 15);
    ok($done, "$case: the publisher ended");
}

kill 'INT', $goodpid;
waitpid($goodpid, 0);

done_testing();
