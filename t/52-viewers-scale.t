#!/usr/bin/perl

# HLS viewers at scale: 5,000 distinct viewers (X-Forwarded-For through
# realip from loopback) fetch a live stream's playlist and viewers.active
# is within 5 % of 5,000, requests and bytes exact; the same stream name in
# two applications is counted apart (vstream_hls_viewers app=); the count
# falls to 0 once the window passes without fetches.  CloudFront's
# "ip:port" header counts the address, not the port; a request from an
# untrusted address counts as that address whatever its header says; behind
# a proxy_cache edge the viewers are the clients, not the edge, and cached
# segments never reach the origin.  Two workers; the playlists are written
# by hand, the light publisher only makes the streams live.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);

my $top = VStream::Test::top();
my $flood = "$top/build/rtmp-flood";
my $flv = "$top/build/bench/sample.flv";

plan(skip_all => "$flood not built; run 'make tools'") unless -x $flood;
plan(skip_all => "$flv missing; run 'make tools'") unless -f $flv;

my $t = VStream::Test->new();
my $pre = $t->prefix;

$t->write_conf(<<'END');
%%PREAMBLE(workers=2, connections=1024)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            vstream_hls_path %%PREFIX%%/vhls/live;
        }
        application backup {
            live on;
            vstream_hls_path %%PREFIX%%/vhls/backup;
        }
    }
}

http {
    access_log off;
    types {
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
    }

    proxy_cache_path %%PREFIX%%/cache keys_zone=edge:1m;

    map $uri $edge_nocache {
        ~\.m3u8$  1;
        default   0;
    }

    # the origin: trusts X-Forwarded-For from loopback only
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;

        location /vstream/ { vstream_admin; allow 127.0.0.1; deny all; }

        location /live/ {
            root %%PREFIX%%/vhls;
            vstream_hls_viewers on app=live window=4s;
        }
        location /backup/ {
            root %%PREFIX%%/vhls;
            vstream_hls_viewers on app=backup window=4s;
        }
        location /cf/ {
            alias %%PREFIX%%/vhls/live/;
            real_ip_header CloudFront-Viewer-Address;
            vstream_hls_viewers on app=live window=4s;
        }
    }

    # an edge in front: the test's clients stand for viewers reaching it
    # (realip again), it tells the origin who they are; segments are
    # cached, playlists are not
    server {
        listen 127.0.0.1:%%PORT_EDGE%%;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_HTTP%%;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_cache edge;
            proxy_cache_valid 200 1m;
            proxy_no_cache $edge_nocache;
            proxy_cache_bypass $edge_nocache;
        }
    }
}
END

# the directive's parameters
for my $case (['app=', qr/invalid application ""/],
              ['app=a/b', qr/invalid application "a\/b"/],
              ['window=1s', qr/invalid window "1s"/],
              ['wndow=4s', qr/invalid parameter "wndow=4s"/]) {
    my ($param, $re) = @$case;
    my $conf = $t->read_file('conf/nginx.conf');
    $conf =~ s/app=backup window=4s/$param/;
    my $bad = $t->write_file('conf/bad.conf', $conf);
    my ($ok, $out) = $t->test_config($bad);
    ok(!$ok, "nginx -t refuses vstream_hls_viewers on $param");
    like($out, $re, '... saying why');
}

sub playlist {
    my ($name) = @_;
    return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
         . "#EXT-X-MEDIA-SEQUENCE:0\n"
         . join('', map { "#EXTINF:2.000,\n$name-$_.ts\n" } 0 .. 2);
}

for my $app (qw(live backup)) {
    for my $name (qw(cam1 cam2 cam3 cam4)) {
        $t->write_file("vhls/$app/$name.m3u8", playlist($name));
        $t->write_file("vhls/$app/$name-$_.ts", 'x' x (1000 + $_)) for 0 .. 2;
    }
}

$t->run;
my $rtmp = $t->port('rtmp');
my $http = $t->port('http');
my $edge = $t->port('edge');

for my $run (['live', '--streams', 4, '--name-prefix', 'cam'],
             ['backup', '--name', 'cam1']) {
    my ($app, @args) = @$run;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$pre/logs/flood-$app.out";
        open STDERR, '>', "$pre/logs/flood-$app.err";
        exec $flood, '--url', "rtmp://127.0.0.1:$rtmp/$app", '--flv', $flv,
             @args, '--duration', 120
            or exit 127;
    }
    push @{ $t->{pids} }, $pid;    # the harness stops it at exit
}

ok(wait_for(sub { @{ $t->json('/vstream/status')->{streams} } == 5 }, 20),
   'five streams are live') or BAIL_OUT('no live streams');

# Keep-alive GETs over a few connections, pipelined in batches: [path,
# {header => value}] each.  Returns (answers 200, bytes received).
sub fetch {
    my ($port, $reqs, %opt) = @_;
    my @conns = map {
        IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                              ($opt{from} ? (LocalAddr => $opt{from}) : ()),
                              Proto => 'tcp', Timeout => 10)
            or die "connect $port: $!"
    } 1 .. ($opt{conns} || 8);
    my ($ok, $bytes) = (0, 0);
    my $batch = 50;
    for (my $i = 0; $i < @$reqs; $i += $batch * @conns) {
        my @pending;
        for my $c (0 .. $#conns) {
            my $from = $i + $c * $batch;
            last if $from >= @$reqs;
            my $to = $from + $batch - 1;
            $to = $#$reqs if $to > $#$reqs;
            my $out = '';
            for my $r (@$reqs[$from .. $to]) {
                my ($path, $h) = @$r;
                $out .= "GET $path HTTP/1.1\r\nHost: localhost\r\n"
                      . join('', map { "$_: $h->{$_}\r\n" } sort keys %$h)
                      . "\r\n";
            }
            print { $conns[$c] } $out;
            push @pending, [$conns[$c], $to - $from + 1];
        }
        for my $p (@pending) {
            my ($s, $n) = @$p;
            for (1 .. $n) {
                my $head = '';
                while ($head !~ /\r\n\r\n$/) {
                    my $got = sysread($s, my $ch, 1) or die "short answer";
                    $head .= $ch;
                }
                my ($len) = $head =~ /^Content-Length: (\d+)/mi;
                my $body = '';
                while (length $body < ($len // 0)) {
                    sysread($s, $body, $len - length $body, length $body)
                        or die "short body";
                }
                $ok++ if $head =~ m{^HTTP/1\.1 200 };
                $bytes += length($head) + length($body);
            }
        }
    }
    close $_ for @conns;
    return ($ok, $bytes);
}

sub addr {
    my ($i) = @_;
    return sprintf('10.%d.%d.%d', 100 + ($i >> 16), ($i >> 8) & 255, $i & 255);
}

sub stream {
    my ($app, $name) = @_;
    my $s = $t->status_stream($app, $name) or return {};
    return $s->{viewers};
}

# 5,000 viewers of live/cam1; 300 of them also watch backup/cam1
my $n = 5000;
my $started = time;
my ($ok, $bytes) = fetch($http, [map {
    ['/live/cam1.m3u8', { 'X-Forwarded-For' => addr($_) }]
} 1 .. $n]);
is($ok, $n, "$n playlist fetches answered");
my ($ok2) = fetch($http, [map {
    ['/backup/cam1.m3u8', { 'X-Forwarded-For' => addr($_) }]
} 1 .. 300]);
is($ok2, 300, '300 playlist fetches of the same name in another application');
diag(sprintf('%d requests in %.2f s', $n + 300, time - $started));

my $v = wait_for(sub {
    my $v = stream('live', 'cam1');
    ($v->{playlist_requests} // 0) >= $n ? $v : undef;
}, 5) || {};
is($v->{playlist_requests}, $n, 'playlist requests: exact');
is($v->{bytes_out}, $bytes, "bytes sent: exact ($bytes)");
my $active = $v->{active} // 0;
ok(abs($active - $n) <= 0.05 * $n, "viewers.active $active is within 5 % of $n");

my $b = wait_for(sub {
    my $v = stream('backup', 'cam1');
    ($v->{playlist_requests} // 0) >= 300 ? $v : undef;
}, 5) || {};
is($b->{playlist_requests}, 300, 'backup/cam1: its own requests');
ok(abs(($b->{active} // 0) - 300) <= 15,
   "backup/cam1: its own viewers ($b->{active} of 300)");

my $m = $t->get('/vstream/metrics')->{content};
my ($mv) = $m =~ /^vstream_hls_viewers\{app="live",stream="cam1"\} (\d+)$/m;
ok(defined $mv && abs($mv - $n) <= 0.05 * $n, "metrics: vstream_hls_viewers ($mv)");

# CloudFront-Viewer-Address: "ip:port"; two ports of one viewer are one
($ok) = fetch($http, [map {
    my $i = $_;
    map { ['/cf/cam2.m3u8', { 'CloudFront-Viewer-Address' => "10.9.0.$i:$_" }] }
        40000, 50000
} 1 .. 100]);
is($ok, 200, 'CloudFront: 200 fetches');
$v = wait_for(sub {
    my $v = stream('live', 'cam2');
    ($v->{playlist_requests} // 0) >= 200 ? $v : undef;
}, 5) || {};
ok(($v->{active} // 0) >= 98 && $v->{active} <= 102,
   "CloudFront-Viewer-Address: 100 viewers of 200 ip:port pairs ($v->{active})");

# a proxy_cache edge in front: 50 clients, a playlist and a segment each
($ok) = fetch($edge, [map {
    my $x = { 'X-Forwarded-For' => "10.8.0.$_" };
    (['/live/cam3.m3u8', $x], ['/live/cam3-0.ts', $x])
} 1 .. 50], conns => 1);
is($ok, 100, 'through the edge: 100 fetches');
$v = wait_for(sub {
    my $v = stream('live', 'cam3');
    ($v->{playlist_requests} // 0) >= 50 ? $v : undef;
}, 5) || {};
is($v->{playlist_requests}, 50, 'edge: every playlist fetch reaches the origin');
is($v->{segment_requests}, 1, 'edge: the cached segment reached it once');
ok(($v->{active} // 0) >= 49 && $v->{active} <= 51,
   "edge: the viewers are the 50 clients, not the edge ($v->{active})");

# an untrusted peer's header is ignored: 20 claims from 127.0.0.2 are one
($ok) = fetch($http, [map {
    ['/live/cam4.m3u8', { 'X-Forwarded-For' => "10.7.0.$_" }]
} 1 .. 20], from => '127.0.0.2', conns => 1);
is($ok, 20, 'untrusted: 20 fetches');
($ok) = fetch($http, [map {
    ['/live/cam4.m3u8', { 'X-Forwarded-For' => "10.7.1.$_" }]
} 1 .. 10], conns => 1);
my $last_fetch = time;
$v = wait_for(sub {
    my $v = stream('live', 'cam4');
    ($v->{playlist_requests} // 0) >= 30 ? $v : undef;
}, 5) || {};
is($v->{active}, 11,
   'an untrusted address counts as itself (1), trusted claims as theirs (10)');

# no more fetches: within the window (4 s) and a tick, no viewers
my $gone = wait_for(sub {
    my $d = $t->json('/vstream/status');
    my $sum = 0;
    $sum += $_->{viewers}{active} for @{ $d->{streams} };
    $sum == 0 ? time : undef;
}, 15);
ok($gone, 'every count falls to 0 after the window without fetches');
ok($gone && $gone - $last_fetch >= 1.5 && $gone - $last_fetch <= 7,
   sprintf('... %.1f s after the last fetch (window 4 s)',
           ($gone // 0) - $last_fetch));
is(stream('live', 'cam1')->{playlist_requests}, $n, 'requests stay');

# and it counts again
fetch($http, [map {
    ['/live/cam1.m3u8', { 'X-Forwarded-For' => addr($_) }]
} 1 .. 10], conns => 1);
$v = wait_for(sub {
    my $v = stream('live', 'cam1');
    ($v->{playlist_requests} // 0) >= $n + 10 ? $v : undef;
}, 5) || {};
is($v->{active}, 10, 'new fetches count again from 0');

unlike($t->error_log, qr/vstream: (the zone is full|out of memory)/,
       'nothing was lost');

done_testing();
