#!/usr/bin/perl

# Recorder faults.  The record path full or on another file system (a
# small tmpfs mounted over it after nginx -t) or unwritable: counted in
# vstream_record_failures_total, logged once per stream, the live stream
# and its HLS untouched.  A recording whose worker is killed (kill -9) is
# finished (#EXT-X-ENDLIST, complete 1) by the worker that notices; one
# across a reload is finished when its publisher leaves.  A live playlist
# that is a symbolic link is never followed: counted once, logged, nothing
# of what it points at recorded.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use VStream::Test qw(wait_for);
use VStream::Record qw(rec_publish app_metric);

my $t = VStream::Test->new(need => [qw(flood mount umount)]);
plan(skip_all => 'mounting a tmpfs needs root') unless $> == 0;
my $p = $t->prefix;

for my $d (qw(rec rec/full rec/ro hls hls/linked outside)) {
    -d "$p/$d" or mkdir "$p/$d" or die "$p/$d: $!";
    chmod 0777, "$p/$d";
}

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        hls_fragment 1s;
        hls_playlist_length 4s;
        application live {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls/live;
            vstream_hls_path %%PREFIX%%/hls/live;
            vstream_record_path %%PREFIX%%/rec;
        }
        application full {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls/full;
            vstream_hls_path %%PREFIX%%/hls/full;
            vstream_record_path %%PREFIX%%/rec/full;
        }
        application ro {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls/ro;
            vstream_hls_path %%PREFIX%%/hls/ro;
            vstream_record_path %%PREFIX%%/rec/ro;
        }
        application linked {
            live on;
            vstream_hls_path %%PREFIX%%/hls/linked;
            vstream_record_path %%PREFIX%%/rec;
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

# after nginx -t: a 64 KiB tmpfs over rec/full/full (the application's
# directory), filled up; and rec/ro/ro made unwritable for the workers
mkdir "$p/rec/full/full"; chmod 0777, "$p/rec/full/full";
system('mount', '-t', 'tmpfs', '-o', 'size=64k,mode=0777', 'vstream-test', "$p/rec/full/full") == 0
    or plan(skip_all => 'cannot mount a tmpfs');
my $mounted = "$p/rec/full/full";
END {
    if ($mounted) {
        $t->kill_process($_) for @{ $t->{pids} };
        $t->{pids} = [];
        $t->stop;
        system('umount', $mounted) == 0 or system('umount', '-l', $mounted);
    }
}
system("dd if=/dev/zero of=$mounted/fill bs=4k count=64 2>/dev/null");
mkdir "$p/rec/ro/ro"; chmod 0555, "$p/rec/ro/ro";

sub failures { app_metric($t, 'vstream_record_failures_total', @_) }
sub publish { rec_publish($t, @_) }

my %pid = (full => publish('full', 'cam', 8), ro => publish('ro', 'cam', 8));
for my $app (qw(full ro)) {
    ok(wait_for(sub { failures($app) > 0 }, 20), "$app: failures counted");
    ok(wait_for(sub {
        my $s = eval { $t->status_stream($app, 'cam') };
        $s && $s->{hls} && $s->{hls}{healthy};
    }, 20), "$app: the live stream's HLS is healthy");
}
for my $app (qw(full ro)) {
    is(($t->flood_finish("$app-cam", $pid{$app}, 40))[0], 0, "$app: the publisher ran to its end");
    my @lines = $t->error_log =~ /(recording of "\Q$app\E\/cam".*)/g;
    is(scalar @lines, 1, "$app: logged once") or diag(join "\n", @lines);
}
# full: every segment lost (another file system) and index save failed
ok(failures('full') >= 4, 'full: each lost segment counted (' . failures('full') . ')');
ok(failures('ro') >= 1, 'ro: each attempt to make the directory counted (' . failures('ro') . ')');

# a live playlist that is a link to a playlist elsewhere (its segment
# there too): never read, counted once, nothing of it recorded
$t->write_file('outside/cam.m3u8', "#EXTM3U\n#EXT-X-TARGETDURATION:1\n"
               . "#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.0,\ncam-0.ts\n");
$t->write_file('outside/cam-0.ts', 'x' x 188);
symlink("$p/outside/cam.m3u8", "$p/hls/linked/cam.m3u8") or die $!;
my $lk = publish('linked', 'cam', 6);
ok(wait_for(sub { failures('linked') > 0 }, 20), 'linked: the link is counted');
select(undef, undef, undef, 2);
is(failures('linked'), 1, 'linked: once, not at every tick');
like($t->error_log, qr/recording of "linked\/cam": "cam\.m3u8" live playlist is a symbolic link/,
     'linked: logged, naming it');
ok(!grep({ -f } glob("$p/rec/linked/cam/*/cam-0.ts")),
   'linked: nothing it points at is recorded');
is(($t->flood_finish('linked-cam', $lk, 30))[0], 0, 'linked: the publisher ran to its end');

# kill -9 of the worker holding a recording
my $k = publish('live', 'killed', 60);
my $st;
ok(wait_for(sub {
    $st = eval { $t->status_stream('live', 'killed') };
    my $d = eval { $t->json('/vstream/recordings/live/killed') };
    $st && $d && @{ $d->{recordings} // [] } && $d->{recordings}[0]{segments} >= 2;
}, 20), 'live/killed is recording');
my $victim = $st->{publisher}{worker_pid};
$t->expect_log(qr/worker process $victim exited on signal 9/);
kill 'KILL', $victim;
my $rec;
ok(wait_for(sub {
    my $d = eval { $t->json('/vstream/recordings/live/killed') } or return;
    ($rec) = @{ $d->{recordings} // [] };
    $rec && $rec->{complete};
}, 60), 'the recording of the killed worker is finished by another');
my $index = $t->read_file("rec/live/killed/$rec->{id}/index.m3u8");
like($index, qr/#EXT-X-ENDLIST\n\z/, 'its index ends with #EXT-X-ENDLIST');
my @segs = $index =~ /^([^#\n].*)$/mg;
ok(@segs >= 2 && !grep({ !-f "$p/rec/live/killed/$rec->{id}/$_" } @segs),
   'and lists segments that are there (' . scalar @segs . ')');
like($t->error_log, qr/recording ".*killed\/\Q$rec->{id}\E" left unfinished \(its worker is gone\) was finished/,
     'logged');
$t->kill_process($k);

# a reload during a recording
my $r = publish('live', 'reload', 8);
ok(wait_for(sub {
    my $d = eval { $t->json('/vstream/recordings/live/reload') };
    $d && @{ $d->{recordings} // [] } && $d->{recordings}[0]{segments} >= 1;
}, 20), 'live/reload is recording');
$t->reload;
is(($t->flood_finish('live-reload', $r, 40))[0], 0, 'the publisher goes on across the reload');
ok(wait_for(sub {
    my $d = eval { $t->json('/vstream/recordings/live/reload') } or return;
    ($rec) = @{ $d->{recordings} // [] };
    $rec && $rec->{complete};
}, 30), 'the recording is finished after the reload');
like($t->read_file("rec/live/reload/$rec->{id}/index.m3u8"), qr/#EXT-X-ENDLIST\n\z/,
     'with #EXT-X-ENDLIST');
ok($rec->{duration_s} >= 5, "and the whole publish ($rec->{duration_s} s)");

done_testing();
