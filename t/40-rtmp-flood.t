#!/usr/bin/perl

# The light publisher (tools/rtmp_flood.c) against Debian's nginx-rtmp alone:
# a few streams for a few seconds show up in rtmp_stat with the sample's
# codec facts; at full speed every byte it sends arrives; it tells refused
# publishes (access rule, name taken) and drops by the server apart, and
# its exit status says whether every stream made it to the end.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
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
%%PREAMBLE(modules=rtmp)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
        }
        application closed {
            live on;
            deny publish all;
        }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /stat { rtmp_stat all; }
    }
}
END

$t->run;
my $base = 'rtmp://127.0.0.1:' . $t->port('rtmp');
my $log = $t->prefix . '/logs';

sub server_bytes_in {
    my ($xml) = $t->get('/stat')->{content} =~ m{</pid>.*?<bytes_in>(\d+)</bytes_in>}s;
    return $xml;
}

# 1. three real-time streams for four seconds

my $pid = $t->flood('live', '--url', "$base/live", '--streams', 3,
                '--name-prefix', 'cam', '--duration', 4);

my $xml;
ok(wait_for(sub {
    $xml = $t->get('/stat')->{content};
    my @meta = $xml =~ m{<meta><video><width>640</width><height>360</height>.*?<codec>H264</codec>.*?<audio><codec>AAC</codec>.*?<sample_rate>44100</sample_rate>}g;
    @meta == 3;
}, 10), 'rtmp_stat shows three streams, each H264 640x360 and AAC 44100 Hz');

for my $n (1 .. 3) {
    like($xml, qr{<stream>\s*<name>cam$n</name>.*?<publishing/>}s,
         "cam$n is publishing");
}

my ($b1, $b2) = (server_bytes_in(), undef);
sleep 1;
$b2 = server_bytes_in();
my $rate = ($b2 - $b1) * 8 / 1000;
ok($rate > 3 * 300 && $rate < 3 * 2000,
   "the server takes them in at real time ($rate kbps for 3 x ~700 kbps)");

my ($status, $sum, $err) = $t->flood_finish('live', $pid);
is($status, 0, 'rtmp-flood exits 0 when every stream published to the end')
    or diag($err);
is($sum->{ok}, 3, 'summary: 3 ok');
is($sum->{published}, 3, 'summary: 3 published');
is($sum->{refused} + $sum->{dropped} + $sum->{failed}, 0,
   'summary: none refused, dropped or failed');
ok($sum->{tags} > 3 * 4 * 60 && $sum->{tags} < 3 * 5 * 75,
   "about 68 tags a second per stream ($sum->{tags} in 4 s for 3)");
ok($sum->{elapsed_s} >= 4 && $sum->{elapsed_s} < 7, "it ran its duration ($sum->{elapsed_s} s)");

ok(wait_for(sub { $t->get('/stat')->{content} !~ /<publishing/ }, 5),
   'the streams are gone from rtmp_stat after it ends');

# 2. full speed, a fixed volume: every byte sent arrives

$b1 = server_bytes_in();
($status, $sum, $err) = $t->run_flood('fast', '--url', "$base/live", '--streams', 2,
                                  '--rate', 0, '--loops', 3);
$b2 = server_bytes_in();
is($status, 0, 'full speed, 3 loops: exits 0') or diag($err);
ok($sum->{elapsed_s} < 5, "full speed is faster than real time ($sum->{elapsed_s} s for 2 x 30 s)");
ok($sum->{tags} > 0 && $sum->{tags} % 6 == 0, "the same tags on each stream, each loop ($sum->{tags})");
# nginx-rtmp counts what follows the 3073-byte handshake
is($b2 - $b1, $sum->{bytes_out} - 2 * 3073,
   'rtmp_stat bytes_in grew by exactly what rtmp-flood sent after the handshakes');

# 3. refused by an access rule: the server closes before publish starts

($status, $sum, $err) = $t->run_flood('deny', '--url', "$base/closed", '--streams', 2,
                                  '--duration', 2);
is($status, 1, 'refused publishes: exit 1');
is($sum->{refused}, 2, 'summary: 2 refused');
is($sum->{published}, 0, 'summary: none published');
like($err, qr/s1: refused: closed by the server in publish/,
     'the notice says the server closed the connection at publish');

# 4. a name already taken: NetStream.Publish.BadName for the second

($status, $sum, $err) = $t->run_flood('dup', '--url', "$base/live", '--streams', 2,
                                  '--name', 'same', '--duration', 2,
                                  '--connect-rate', 5);
is($status, 1, 'a name taken twice: exit 1');
is("$sum->{ok}/$sum->{refused}", '1/1', 'summary: one ok, one refused');
like($err, qr/same: refused: NetStream\.Publish\.BadName/, 'the notice names the status code');

# 5. dropped: the server goes away while they publish

$pid = $t->flood('drop', '--url', "$base/live", '--streams', 2, '--duration', 30,
             '--args', 'k=v&x=1');
ok(wait_for(sub { () = $t->get('/stat')->{content} =~ /<meta>/g; }, 10),
   'two streams publishing, their names with ?args');
like($t->get('/stat')->{content}, qr{<name>s1</name>}, 'the args are not part of the stream name');
# a close within half a second of Publish.Start counts as a refusal
select(undef, undef, undef, 0.6);
$t->signal('TERM');
($status, $sum, $err) = $t->flood_finish('drop', $pid, 10);
is($status, 1, 'dropped by the server: exit 1');
is($sum->{dropped}, 2, 'summary: 2 dropped');
like($err, qr/s2: dropped: closed by the server after [\d.]+ s of publishing/,
     'the notice says it was dropped after publishing');

# 6. nobody listening: a failure, not a refusal

($status, $sum, $err) = $t->run_flood('noserver', '--url',
    'rtmp://127.0.0.1:' . $t->port('unused') . '/live', '--duration', 1);
is("$status $sum->{failed}", '1 1', 'no server: exit 1, 1 failed');
like($err, qr/s1: failed: connect\(\) .*Connection refused/, 'the notice says why');

# 7. bad usage

system("$flood --flv $flv --url http://x/ >/dev/null 2>&1");
is($? >> 8, 2, 'a URL that is not rtmp:// is bad usage (exit 2)');
system("$flood --url $base/live --flv /nonexistent >/dev/null 2>&1");
is($? >> 8, 2, 'a missing FLV is bad usage (exit 2)');

done_testing();
