#!/usr/bin/perl

# Ingest authentication by source address: publishers inside
# vstream_ingest_allow are accepted, the rest refused with reason "cidr",
# counted, logged and kept in the ring of recent denials.  IPv4 and IPv6.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg netns)]);

my $inside = $t->netns('in', 20);
my $outside = $t->netns('out', 21);

$t->write_conf(<<"END");
%%PREAMBLE%%

vstream_zone 1m;

rtmp {
    server {
        listen %%PORT_RTMP%%;
        listen [::]:%%PORT_RTMP%% ipv6only=on;

        application live {
            live on;
            vstream_ingest_allow $inside->{cidr};
            vstream_ingest_allow $inside->{cidr6};
            hls on;
            hls_path %%PREFIX%%/hls;
            hls_fragment 1s;
        }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ { vstream_admin; allow 127.0.0.1; deny all; }
    }
}
END

# configuration errors name the directive and the value
{
    my $conf = $t->read_file('conf/nginx.conf');
    $conf =~ s{vstream_ingest_allow \Q$inside->{cidr}\E;}
              {vstream_ingest_allow 10.0.0.300/24;};
    my $bad = $t->write_file('conf/bad.conf', $conf);
    my ($ok, $out) = $t->test_config($bad);
    ok(!$ok, 'nginx -t fails on an invalid CIDR');
    like($out, qr/invalid CIDR "10\.0\.0\.300\/24" in "vstream_ingest_allow"/,
         'and names the directive and the value');
}

$t->run;

my $rtmp = $t->port('rtmp');

# allowed: a host of the private subnet
my $cam = $t->publish("rtmp://$inside->{gateway}:$rtmp/live/cam1",
                      ns => $inside);
my $live = wait_for(sub { $t->status_stream('live', 'cam1') }, 15);
ok($live, 'a publisher inside the CIDR is live in status');
is($live->{publisher}{addr}, $inside->{addr}, 'with its address');
ok(wait_for(sub { -f $t->prefix . '/hls/cam1.m3u8' }, 15),
   'and nginx-rtmp writes its HLS playlist');

# refused: loopback, and a host outside the subnet
my $lo = $t->publish("rtmp://127.0.0.1:$rtmp/live/intruder", duration => 20);
ok(wait_for(sub { $t->exited($lo) }, 10),
   'a publisher from loopback is disconnected');

my $out = $t->publish("rtmp://$outside->{gateway}:$rtmp/live/cam1x",
                      ns => $outside, duration => 20);
ok(wait_for(sub { $t->exited($out) }, 10),
   'a publisher from another subnet is disconnected');

# IPv6: inside allowed, outside refused
my $cam6 = $t->publish("rtmp://[$inside->{gateway6}]:$rtmp/live/cam6",
                       ns => $inside);
my $live6 = wait_for(sub { $t->status_stream('live', 'cam6') }, 15);
ok($live6, 'an IPv6 publisher inside the allowed prefix is live');
is($live6 && $live6->{publisher}{addr}, $inside->{addr6},
   'with its IPv6 address');

my $out6 = $t->publish("rtmp://[$outside->{gateway6}]:$rtmp/live/cam6x",
                       ns => $outside, duration => 20);
ok(wait_for(sub { $t->exited($out6) }, 10),
   'an IPv6 publisher outside is disconnected');

my $doc = $t->json('/vstream/status');
is($doc->{totals}{publish_denied}, 3, 'three publishes denied');
is($doc->{totals}{publish_accepted}, 2, 'two publishes accepted');
is($doc->{totals}{streams}, 2, 'two streams live');

my %denied = map { $_->{stream} => $_ } @{ $doc->{denied} };
is($denied{intruder}{reason}, 'cidr', 'the ring names the reason');
is($denied{intruder}{addr}, '127.0.0.1', 'and the address');
is($denied{cam1x}{addr}, $outside->{addr}, 'the outside host is in the ring');
is($denied{cam6x}{addr}, $outside->{addr6}, 'so is its IPv6 address');
like($denied{intruder}{at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
     'with a UTC time');

my $metrics = $t->get('/vstream/metrics')->{content};
like($metrics,
     qr/^vstream_publish_denied_total\{app="live",reason="cidr"\} 3$/m,
     'metrics count the denials by app and reason');
like($metrics, qr/^vstream_streams\{app="live"\} 2$/m,
     'and the live streams');
like($metrics,
     qr/^vstream_info\{version="[\d.]+",nginx_version="[\d.]+"\} 1$/m,
     'and say which versions run');

like($t->error_log,
     qr/\[warn\].*publish refused: client 127\.0\.0\.1, app "live", stream "intruder", reason cidr/,
     'the refusal is logged at warn with address, app, stream and reason');

# play is not affected by the allow list
my $play = `timeout 10 ffmpeg -nostdin -loglevel error -i rtmp://127.0.0.1:$rtmp/live/cam1 -t 1 -f null - 2>&1; echo rc=\$?`;
like($play, qr/rc=0/, 'playing from loopback still works');

$t->kill_process($cam);
ok(wait_for(sub { !$t->status_stream('live', 'cam1') }, 10),
   'the stream leaves status when its publisher stops');

done_testing();
