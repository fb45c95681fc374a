#!/usr/bin/perl

# Live stream stats shared by all workers: two workers, two real publishers;
# every status answer lists both, whichever worker serves it, with the codec
# facts of the test pattern; counters grow; metrics agree with status; our
# byte counts agree with nginx-rtmp's own rtmp_stat for the same stream.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg)]);

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
        }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ { vstream_admin; allow 127.0.0.1; deny all; }
        location /stat { rtmp_stat all; }
    }
}
END

$t->run;
my $rtmp = $t->port('rtmp');

my @pubs = map {
    $t->publish("rtmp://127.0.0.1:$rtmp/live/cam$_", size => '640x360')
} 1 .. 2;

ok(wait_for(sub {
    my $d = $t->json('/vstream/status');
    @{ $d->{streams} } == 2 && !grep { !$_->{video}{width} } @{ $d->{streams} };
}, 20), 'both streams are live with codec facts');

my %seen_pid;
my $all_both = 1;
for (1 .. 20) {
    my $d = $t->json('/vstream/status');
    $seen_pid{ $d->{pid} }++;
    my @names = sort map { $_->{name} } @{ $d->{streams} };
    $all_both = 0 unless "@names" eq 'cam1 cam2';
}
ok($all_both, '20 consecutive status answers all list both streams');
note('status served by workers ' . join(' ', sort keys %seen_pid));

my $d1 = $t->json('/vstream/status');
sleep 2;
my $d2 = $t->json('/vstream/status');

my %s1 = map { $_->{name} => $_ } @{ $d1->{streams} };
my %s2 = map { $_->{name} => $_ } @{ $d2->{streams} };
my $s = $s2{cam1};

is($s->{video}{codec}, 'H264', 'video codec');
is($s->{video}{width}, 640, 'width');
is($s->{video}{height}, 360, 'height');
is($s->{video}{fps}, 25, 'frame rate');
is($s->{audio}{codec}, 'AAC', 'audio codec');
is($s->{audio}{sample_rate}, 44100, 'sample rate');
is($s->{audio}{channels}, 2, 'channels');
is($s->{publisher}{addr}, '127.0.0.1', 'publisher address');
like($s->{publisher}{worker_pid}, qr/^\d+$/, 'the worker holding it');
ok($s2{cam1}{bytes_in} > $s1{cam1}{bytes_in}, 'bytes_in grows');
ok($s2{cam1}{video}{frames} > $s1{cam1}{video}{frames}, 'video frames grow');
ok($s2{cam1}{audio}{frames} > $s1{cam1}{audio}{frames}, 'audio frames grow');
ok($s->{video}{keyframes} >= 1 && $s->{video}{keyframes} < $s->{video}{frames},
   'keyframes are counted apart');
my $kbps = $s->{bitrate_in_bps} / 1000;
ok($kbps > 150 && $kbps < 1500, "bitrate is plausible ($kbps kbps for ~364 kbps encoded)");
is($d2->{totals}{streams}, 2, 'totals: streams');
ok($d2->{totals}{bitrate_in_bps} >= $s->{bitrate_in_bps}, 'totals: bitrate');
ok($d2->{totals}{bytes_in} >= $s2{cam1}{bytes_in}, 'totals: bytes in');
is($d2->{workers}, 2, 'workers');
like($d2->{started_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'started_at');

# metrics agree with status
my $m = $t->get('/vstream/metrics');
like($m->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4}, 'metrics content type');
my ($mbytes) = $m->{content} =~ /^vstream_stream_received_bytes_total\{app="live",stream="cam2"\} (\d+)$/m;
my $after = $t->status_stream('live', 'cam2');
ok(defined $mbytes && $mbytes <= $after->{bytes_in} && $mbytes > 0,
   'metrics bytes agree with status (taken a moment apart)');
like($m->{content}, qr/^vstream_publish_accepted_total\{app="live"\} 2$/m,
     'accepted counter');

SKIP: {
    skip 'promtool not installed', 1 unless -x '/usr/bin/promtool';
    $t->write_file('metrics.txt', $m->{content});
    my $out = `promtool check metrics < @{[$t->prefix]}/metrics.txt 2>&1`;
    is($?, 0, 'promtool accepts the exposition') or diag($out);
}

# nginx-rtmp's own stat, from whichever worker holds the stream: our byte
# count must match its bytes_in (both count audio and video payloads)
my $holder = $s->{publisher}{worker_pid};
my ($ours, $theirs);
for (1 .. 40) {
    my $xml = $t->get('/stat')->{content};
    next unless $xml =~ m{<pid>$holder</pid>};
    next unless $xml =~ m{<stream>\s*<name>cam1</name>.*?<bytes_in>(\d+)</bytes_in>.*?<width>(\d+)</width><height>(\d+)</height>}s;
    ($theirs) = ($1);
    is("$2x$3", '640x360', 'rtmp_stat sees the same resolution');
    $ours = $t->status_stream('live', 'cam1')->{bytes_in};
    last;
}
ok($theirs, 'rtmp_stat answered from the worker holding the stream');
ok($theirs && abs($ours - $theirs) < 200_000,
   "bytes_in agrees with rtmp_stat within one flush (ours $ours, rtmp_stat $theirs)");

# a second publisher for a live name is refused, whichever worker takes it
for (1 .. 2) {
    my $dup = $t->publish("rtmp://127.0.0.1:$rtmp/live/cam1", duration => 20);
    ok(wait_for(sub { $t->exited($dup) }, 10), 'a second publisher of cam1 is refused');
}
my $d3 = $t->json('/vstream/status');
is(scalar(grep { $_->{name} eq 'cam1' } @{ $d3->{streams} }), 1, 'cam1 is listed once');
is($d3->{apps}[0]{publish_denied}{duplicate}, 2, 'counted as duplicate');
is($t->status_stream('live', 'cam1')->{publisher}{worker_pid}, $holder,
   'the first publisher keeps the stream');

$t->kill_process($_) for @pubs;
ok(wait_for(sub { !@{ $t->json('/vstream/status')->{streams} } }, 10),
   'streams leave status when publishers stop');

done_testing();
