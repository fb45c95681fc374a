#!/usr/bin/perl

# Fault: the HLS directory on a full disk (a 2 MB tmpfs).  A real ffmpeg
# publisher fills it; the worker does not die, status and metrics keep
# answering, the stream's hls object turns unhealthy (the playlist ages),
# nginx-rtmp's write errors are in the error log; once space is freed
# (old segments deleted), the playlist is fresh and healthy again.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg mount umount df)]);
plan(skip_all => 'mounting a tmpfs needs root') unless $> == 0;

my $hls = $t->prefix . '/hlsdisk';
mkdir $hls or die "$hls: $!";
system('mount', '-t', 'tmpfs', '-o', 'size=2m,mode=0777', 'vstream-test', $hls) == 0
    or plan(skip_all => "cannot mount a tmpfs on $hls");
my $mounted = 1;

END {
    # before the harness removes the prefix: nginx and ffmpeg let go first
    if ($mounted) {
        $t->kill_process($_) for @{ $t->{pids} };
        $t->{pids} = [];
        $t->stop;
        system('umount', $hls) == 0 or system('umount', '-l', $hls);
    }
}

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            hls on;
            hls_path %%PREFIX%%/hlsdisk;
            hls_fragment 1s;
            hls_playlist_length 4s;
            hls_cleanup off;
            vstream_hls_path %%PREFIX%%/hlsdisk;
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

$t->run;
my $rtmp = $t->port('rtmp');

sub avail {
    my ($out) = `df -B1 --output=avail $hls` =~ /(\d+)\s*$/;
    return $out;
}

sub hls_of {
    my $s = eval { $t->status_stream('live', 'cam1') } or return;
    return $s->{hls};
}

my @workers;
wait_for(sub { @workers = $t->worker_pids; @workers == 2 }, 5);
my $pub = $t->publish("rtmp://127.0.0.1:$rtmp/live/cam1");
ok(wait_for(sub { my $h = hls_of(); $h && $h->{healthy} }, 20), 'the stream is live with healthy HLS');

# leave ~300 KB, some seconds of this stream
my $ballast = "$hls/ballast";
my $fill = avail() - 300 * 1024;
system('dd', 'if=/dev/zero', "of=$ballast", 'bs=4096', 'count=' . int($fill / 4096), 'status=none');
note('free on the HLS disk after the ballast: ' . avail() . ' bytes');

my $t0 = time;
ok(wait_for(sub { avail() < 64 * 1024 }, 30), 'the publisher fills the disk');
note(sprintf 'disk full %.1f s after the ballast', time - $t0);
$t0 = time;

my $h = wait_for(sub { my $h = hls_of(); $h && !$h->{healthy} ? $h : undef }, 15);
ok($h, 'the stream\'s HLS turns unhealthy once the disk is full');
note(sprintf 'unhealthy %.1f s after the disk filled', time - $t0);
note('hls while full: ' . join ' ', map { "$_=" . ($h->{$_} // 'null') } sort keys %{ $h || {} });
my $age1 = $h ? $h->{playlist_age_s} : 0;
sleep 1.5;
my $h2 = hls_of();
ok($h2 && $h2->{playlist_age_s} > $age1, "and its playlist ages ($age1 s, then $h2->{playlist_age_s} s)");

my $d = $t->json('/vstream/status');
ok($d->{totals}{streams} == 1, 'status answers, the stream still listed');
like($t->get('/vstream/metrics')->{content}, qr/^vstream_hls_healthy\{app="live",stream="cam1"\} 0$/m,
     'metrics answer: vstream_hls_healthy 0');
is_deeply([$t->worker_pids], \@workers, 'no worker died');
ok(!$t->exited($pub), 'the publisher is still connected');

my @enospc = grep { /No space left on device/ } split /\n/, $t->error_log;
ok(@enospc, 'nginx-rtmp logs the write errors');
my %levels = map { /\[(\w+)\]/ ? ($1 => 1) : () } @enospc;
note('levels of the ENOSPC lines: ' . join(' ', sort keys %levels) . '; e.g. ' . substr($enospc[0] // '', 20, 160));
is(join(' ', sort keys %levels), 'error', 'at level error');

# free space: the old segments (none of the playlist's) and the ballast
my $m3u8 = $t->read_file("$hls/cam1.m3u8");
my %listed = map { $_ => 1 } $m3u8 =~ /^(\S+\.ts)$/mg;
my @old = grep { !$listed{(split m{/})[-1]} } glob "$hls/*.ts";
note(scalar(@old) . ' old segments deleted');
unlink @old, $ballast;
$t0 = time;

ok(wait_for(sub { my $h = hls_of(); $h && $h->{healthy} && $h->{playlist_age_s} < 2 }, 15),
   'after freeing space the playlist is fresh and healthy again');
note(sprintf 'healthy again %.1f s after freeing space', time - $t0);

$t->kill_process($pub);
done_testing();
