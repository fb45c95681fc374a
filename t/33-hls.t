#!/usr/bin/perl

# HLS packaging stats from the real playlists nginx-rtmp writes (flat and
# nested layouts), health that turns false when the playlist stops updating,
# and HLS viewer counting: requests, bytes and distinct addresses, from
# loopback and from two namespaces.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg netns curl)]);

my $v1 = $t->netns('v1', 33);
my $v2 = $t->netns('v2', 34);

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls;
            hls_fragment 1s;
            hls_playlist_length 4s;
            vstream_hls_path %%PREFIX%%/hls;
        }
        application nested {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls/nested;
            hls_nested on;
            hls_fragment 1s;
            hls_playlist_length 4s;
            vstream_hls_path %%PREFIX%%/hls/nested/;
        }
        application nohls {
            live on;
        }
        application junk {
            live on;
            vstream_hls_path %%PREFIX%%/junk;
        }
    }
}

http {
    access_log off;
    types {
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
    }
    server {
        listen %%PORT_HTTP%%;
        location /vstream/ { vstream_admin; allow 127.0.0.1; deny all; }
        location /hls/ {
            alias %%PREFIX%%/hls/;
            vstream_hls_viewers on;
        }
    }
}
END

$t->run;
my $rtmp = $t->port('rtmp');
my $http = $t->port('http');

my $cam1 = $t->publish("rtmp://127.0.0.1:$rtmp/live/cam1", gop => 25);
my $cam2 = $t->publish("rtmp://127.0.0.1:$rtmp/nested/cam2", gop => 25);
my $cam3 = $t->publish("rtmp://127.0.0.1:$rtmp/nohls/cam3", duration => 30);

my $s = wait_for(sub {
    my $s = $t->status_stream('live', 'cam1');
    $s && $s->{hls} && $s->{hls}{segments} >= 3 ? $s : undef;
}, 20);
ok($s, 'the flat playlist is read');
my $h = $s ? $s->{hls} : {};
is($h->{playlist}, 'cam1.m3u8', 'playlist name');
ok($h->{target_duration_s} >= 1 && $h->{target_duration_s} <= 2, "target duration ($h->{target_duration_s} s)");
ok($h->{media_sequence} >= 0, 'media sequence');
ok($h->{window_s} >= 2, "window ($h->{window_s} s)");
ok($h->{last_segment_s} > 0.5 && $h->{last_segment_s} <= 2.5, "last segment ($h->{last_segment_s} s)");
my $kbps = ($h->{bitrate_bps} // 0) / 1000;
ok($kbps > 150 && $kbps < 1500, "segment bitrate is plausible ($kbps kbps, ~364 encoded + TS overhead)");
ok($h->{playlist_age_s} < 3, "playlist age ($h->{playlist_age_s} s)");
ok($h->{healthy}, 'healthy');

my $n = wait_for(sub {
    my $s = $t->status_stream('nested', 'cam2');
    $s && $s->{hls} && $s->{hls}{segments} >= 1 ? $s : undef;
}, 20);
is($n && $n->{hls}{playlist}, 'cam2/index.m3u8', 'the nested layout is read too');

my $x = wait_for(sub { $t->status_stream('nohls', 'cam3') }, 10);
ok($x && !defined $x->{hls}, 'hls is null without vstream_hls_path');

# a playlist that is not one: hls stays null, counted once, logged
$t->write_file('junk/cam4.m3u8', "\x00\xffnot a playlist\n" x 100);
my $cam4 = $t->publish("rtmp://127.0.0.1:$rtmp/junk/cam4", duration => 30);
my $j = wait_for(sub { $t->status_stream('junk', 'cam4') }, 10);
ok($j && !defined $j->{hls}, 'a junk playlist gives hls null');
$t->get('/vstream/status') for 1 .. 6;
my $errors = $t->json('/vstream/status')->{totals}{hls_errors};
ok($errors >= 1 && $errors <= 2,
   "the unreadable playlist is counted once per worker that read it ($errors)");
like($t->error_log, qr/cam4\.m3u8" is not an HLS media playlist/, 'and logged');
$t->kill_process($cam4);

my $m = $t->get('/vstream/metrics')->{content};
like($m, qr/^vstream_hls_segments\{app="live",stream="cam1"\} \d+$/m, 'metrics: segments');
like($m, qr/^vstream_hls_playlist_age_seconds\{app="live",stream="cam1"\} [\d.]+$/m, 'metrics: playlist age');
like($m, qr/^vstream_hls_healthy\{app="live",stream="cam1"\} 1$/m, 'metrics: healthy');
like($m, qr/^vstream_hls_bitrate_bps\{app="live",stream="cam1"\} \d+$/m, 'metrics: bitrate');

# viewers: loopback and two namespaces fetch the playlist and a segment
my ($got_bytes, $playlists, $segments) = (0, 0, 0);
my $seg = (grep { /\.ts$/ } split /\n/, $t->read_file('hls/cam1.m3u8'))[-1];
for my $who (undef, $v1, $v2) {
    my $host = $who ? $who->{gateway} : '127.0.0.1';
    my $pre = $who ? "ip netns exec $who->{name} " : '';
    for my $path ('/hls/cam1.m3u8', "/hls/$seg") {
        my $out = `${pre}curl -s -o /dev/null -w '%{http_code} %{size_header} %{size_download}' http://$host:$http$path`;
        my ($code, $hdr, $body) = split ' ', $out;
        next unless $code && $code == 200;
        $got_bytes += $hdr + $body;
        $path =~ /m3u8$/ ? $playlists++ : $segments++;
    }
}
is($playlists, 3, 'three clients fetched the playlist');
is($segments, 3, 'and a segment');

my $v = wait_for(sub {
    my $s = $t->status_stream('live', 'cam1');
    $s && $s->{viewers}{playlist_requests} >= 3 ? $s->{viewers} : undef;
}, 5);
is($v->{active}, 3, 'three distinct viewers are active');
is($v->{playlist_requests}, 3, 'playlist requests counted');
is($v->{segment_requests}, 3, 'segment requests counted');
is($v->{bytes_out}, $got_bytes, "bytes sent agree with what the clients received ($got_bytes)");
my $m2 = $t->get('/vstream/metrics')->{content};
like($m2, qr/^vstream_hls_viewers\{app="live",stream="cam1"\} 3$/m, 'metrics: viewers');
like($m2, qr/^vstream_hls_requests_total\{app="live",stream="cam1",kind="playlist"\} 3$/m,
     'metrics: requests by kind');
like($m2, qr/^vstream_hls_sent_bytes_total\{app="live",stream="cam1"\} $got_bytes$/m,
     'metrics: bytes sent');

# a missing file is not a view; a stream that is not live is unmatched
is($t->get('/hls/nothere.m3u8')->{status}, 404, 'a missing playlist: 404');
$t->get('/hls/cam1-999999.ts');
is($t->status_stream('live', 'cam1')->{viewers}{segment_requests}, 3,
   '404s are not counted');

# the packager stalls (publisher paused): health turns false
kill 'STOP', $cam1;
my $stale = wait_for(sub {
    my $s = $t->status_stream('live', 'cam1');
    $s && $s->{hls} && !$s->{hls}{healthy} ? $s : undef;
}, 15);
ok($stale, 'healthy turns false when the playlist stops updating');
like($t->get('/vstream/metrics')->{content},
     qr/^vstream_hls_healthy\{app="live",stream="cam1"\} 0$/m, 'metrics: unhealthy');
kill 'CONT', $cam1;
$t->kill_process($cam1);
ok(wait_for(sub { !$t->status_stream('live', 'cam1') }, 15),
   'the record is gone after close, the files stay');
ok(-f $t->prefix . '/hls/cam1.m3u8', 'playlist still on disk');

done_testing();
