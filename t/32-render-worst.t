#!/usr/bin/perl

# The answers at their worst that can really happen: 1,000 live streams
# whose names are 250 to 254 bytes (the longest nginx-rtmp passes whole
# with no args) of '"' (which both JSON and Prometheus escape to 2 bytes)
# and multibyte UTF-8, in an application whose name is 255 such bytes, the
# denied ring full of such names cut to its 32 and 64 bytes.  Status, one
# stream and metrics must each be whole (Content-Length, the last stream,
# the last family), strict UTF-8 JSON with the names intact, and accepted by
# promtool.  (Names of control bytes or bad UTF-8 escape to more, but never
# publish: t/12-render.t renders those.)

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use VStream::Test qw(wait_for);

my $top = VStream::Test::top();
my $flood = "$top/build/rtmp-flood";
plan(skip_all => "$flood not built; run 'make tools'") unless -x $flood;

my $t = VStream::Test->new(need => [qw(ffmpeg)]);

my $N = 1000;
my $e = "\xc3\xa9";                                   # U+00E9, 2 bytes
my $app = ('"' x 245) . ($e x 5);                     # 255 bytes
my $prefix = ('"' x 240) . ($e x 5);                  # + 1 .. 1000: 251 .. 254
is(length $app, 255, 'the application name is 255 bytes');
is(length($prefix . $N), 254, 'the longest stream name is 254 bytes');

# nginx's configuration parser takes \" inside a quoted string as '"'
(my $conf_app = $app) =~ s/"/\\"/g;

# a tiny stream (64x64, 5 fps, ~20 kbps) so that 1,000 of them stay light
my $flv = $t->prefix . '/tiny.flv';
system("ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=64x64:rate=5 "
     . "-f lavfi -i sine=sample_rate=8000 -t 10 -c:v libx264 -preset ultrafast "
     . "-g 5 -b:v 12k -c:a aac -ar 8000 -ac 1 -b:a 8k -f flv $flv") == 0
    or BAIL_OUT('cannot make the sample FLV');

$t->write_conf(<<"END");
%%MODULES%%
worker_processes 2;
worker_rlimit_nofile 8192;
error_log logs/error.log notice;
pid logs/nginx.pid;
events { worker_connections 4096; }

vstream_zone 8m;

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application "$conf_app" { live on; }
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

$t->run;
my $url = 'rtmp://127.0.0.1:' . $t->port('rtmp') . "/$app";

sub flood {
    my (@args) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec $flood, '--url', $url, '--flv', $flv, '--connect-rate', 400,
             '--timeout', 20, @args or exit 127;
    }
    push @{ $t->{pids} }, $pid;
    return $pid;
}

my $pid = flood('--streams', $N, '--name-prefix', $prefix, '--duration', 120);

ok(wait_for(sub {
    my $d = eval { $t->json('/vstream/status') };
    $d && $d->{totals}{streams} >= $N;
}, 40), "$N streams are live");

# 40 more publishes of a live name: refused as duplicate, the ring is full
my $dup = flood('--streams', 40, '--name', $prefix . '1', '--duration', 5);
ok(wait_for(sub {
    my $d = eval { $t->json('/vstream/status') };
    $d && $d->{totals}{publish_denied} >= 40;
}, 30), 'the 40 duplicate publishes are refused');
$t->kill_process($dup);

sub utf8_of { my ($s) = @_; utf8::decode($s) or die 'not UTF-8'; $s }

sub whole {
    my ($r, $what) = @_;
    is($r->{status}, 200, "$what: 200");
    is(length $r->{content}, $r->{headers}{'content-length'},
       "$what: the body is as long as its Content-Length")
        if defined $r->{headers}{'content-length'};
}

# status

my $r = $t->get('/vstream/status');
whole($r, 'status');
ok($r->{content} =~ /\n\z/ && $r->{content} =~ /\}\]\}\n\z/,
   'status: it ends with its last stream');
my $doc = eval { JSON::PP->new->utf8->decode($r->{content}) };
ok($doc, 'status: strict UTF-8 JSON') or diag($@);
$doc ||= { streams => [], denied => [], apps => [], totals => {} };

is(scalar @{ $doc->{streams} }, $N, "status: all $N streams listed");
my %want = map { utf8_of($prefix . $_) => 1 } 1 .. $N;
is(scalar(grep { delete $want{$_->{name}} } @{ $doc->{streams} }), $N,
   'status: each name intact');
is(scalar(grep { $_->{app} eq utf8_of($app) } @{ $doc->{streams} }), $N,
   'status: each application name intact');
is($doc->{apps}[0]{app}, utf8_of($app), 'status: the application listed');
is($doc->{apps}[0]{streams}, $N, '... with its streams');

is(scalar @{ $doc->{denied} }, 32, 'status: the denied ring is full');
my $cut_app = substr($app, 0, 32);
my $cut_name = substr($prefix . '1', 0, 64);
is(scalar(grep { $_->{reason} eq 'duplicate'
                 && $_->{app} eq utf8_of($cut_app)
                 && $_->{stream} eq utf8_of($cut_name) }
          @{ $doc->{denied} }), 32,
   'status: each refusal shows the names cut to 32 and 64 bytes');

# one stream, the longest name

my $long = $prefix . $N;
my $pct = sub { join '', map { sprintf '%%%02X', ord } split //, $_[0] };
$r = $t->get('/vstream/streams/' . $pct->($app) . '/' . $pct->($long));
whole($r, 'one stream');
my $one = eval { JSON::PP->new->utf8->decode($r->{content}) };
ok($one && $one->{name} eq utf8_of($long) && $one->{app} eq utf8_of($app),
   'one stream: strict UTF-8 JSON, its names intact') or diag($@);

# metrics

$r = $t->get('/vstream/metrics');
whole($r, 'metrics');
(my $lapp = $app) =~ s/"/\\"/g;
(my $lname = $long) =~ s/"/\\"/g;
like($r->{content},
     qr/^vstream_hls_sent_bytes_total\{app="\Q$lapp\E",stream="\Q$lname\E"\} \d+\n/m,
     'metrics: the last family has the stream of the longest name, escaped');
my $series = () = $r->{content} =~ /^vstream_stream_received_bytes_total\{/mg;
is($series, $N, "metrics: a series for each of the $N streams");
like($r->{content}, qr/^vstream_streams\{app="\Q$lapp\E"\} $N$/m,
     'metrics: the application counted');
SKIP: {
    skip 'promtool not installed', 1 unless -x '/usr/bin/promtool';
    $t->write_file('metrics.txt', $r->{content});
    my $out = `promtool check metrics < @{[$t->prefix]}/metrics.txt 2>&1`;
    is($?, 0, 'metrics: promtool accepts them') or diag($out);
}

$t->kill_process($pid);
is_deeply([$t->log_problems], [], 'no alerts, crashes or sanitizer reports');

done_testing();
