#!/usr/bin/perl

# Recordings: a 20 s publish (the light publisher at real time) is kept
# under vstream_record_path as a complete VOD playlist (ffprobe: 20 s
# within one segment, #EXT-X-ENDLIST), listed by the admin API and
# vstreamctl, served by a /rec/ alias; DELETE (204, 404, 409 while live,
# 400 for hostile names) never reaches outside the record root; nginx -t
# names vstream_record_path when the path is missing, unwritable or on
# another file system than the HLS directory.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(flood ffprobe curl)]);
my $ctl = VStream::Test::top() . '/build/vstreamctl';
my $p = $t->prefix;

mkdir "$p/rec" or die "$p/rec: $!";
chmod 0777, "$p/rec";

my $conf = <<'END';
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls/live;
            hls_fragment 2s;
            hls_playlist_length 6s;
            vstream_hls_path %%PREFIX%%/hls/live;
            RECORD
        }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ { vstream_admin; allow 127.0.0.1; deny all; }
        location /rec/ {
            alias %%PREFIX%%/rec/;
            types {
                application/vnd.apple.mpegurl m3u8;
                video/mp2t ts;
            }
            location ~ \.ts$ {
                add_header Cache-Control "public, max-age=31536000, immutable";
            }
            location ~ \.m3u8$ {
                add_header Cache-Control "max-age=2";
            }
        }
    }
}
END

sub conf_with {
    my ($record) = @_;
    (my $c = $conf) =~ s/RECORD/$record/;
    return $c;
}

# nginx -t: each fault named
my @bad = (
    ['vstream_record_path %%PREFIX%%/nowhere;', qr/"vstream_record_path" ".*nowhere" is missing/, 'a missing path'],
    ['vstream_record_path %%PREFIX%%/conf/nginx.conf;', qr/"vstream_record_path" .* is not a directory/, 'a file'],
);
if ($> == 0) {
    mkdir "$p/rootonly"; chmod 0755, "$p/rootonly";
    push @bad, ['vstream_record_path %%PREFIX%%/rootonly;', qr/"vstream_record_path" ".*rootonly" is not writable by the worker/, 'a directory the workers cannot write'];
}
my $other;
if ($> == 0 && mkdir "$p/otherfs") {
    if (system('mount', '-t', 'tmpfs', '-o', 'size=1m,mode=0777', 'vstream-test', "$p/otherfs") == 0) {
        $other = "$p/otherfs";
        push @bad, ['vstream_record_path %%PREFIX%%/otherfs;', qr/"vstream_record_path" ".*otherfs" is not on the file system of "vstream_hls_path"/, 'another file system'];
    }
}
END { system('umount', $other) if $other }

$t->expect_log(qr/\[emerg\].*"vstream_record_path"/);
for my $b (@bad) {
    $t->write_conf(conf_with($b->[0]));
    my ($ok, $out) = $t->test_config;
    ok(!$ok, "nginx -t fails: $b->[2]");
    like($out, $b->[1], "and names vstream_record_path: $b->[2]");
}
{
    (my $c = conf_with('vstream_record_path %%PREFIX%%/rec;')) =~ s/vstream_hls_path [^;]*;//;
    $t->write_conf($c);
    my ($ok, $out) = $t->test_config;
    ok(!$ok, 'nginx -t fails without vstream_hls_path');
    like($out, qr/"vstream_record_path" in application "live" needs "vstream_hls_path"/, 'and says why');
}

$t->write_conf(conf_with('vstream_record_path %%PREFIX%%/rec;'));
$t->run;
my $rtmp = $t->port('rtmp');
my $http = $t->port('http');

# a file outside the root that hostile requests aim at
mkdir "$p/rec/../canary" // 0;
$t->write_file('canary/20260101T000000Z', "x\n");

my ($doc) = $t->json('/vstream/recordings');
is_deeply($doc, { recordings => [], truncated => JSON::PP::false }, 'no recordings yet');

my $pid = $t->flood('rec', '--url', "rtmp://127.0.0.1:$rtmp/live", '--name', 'cam1',
                    '--duration', 20, '--rate', 1);

my $live;
ok(wait_for(sub {
    my $d = eval { $t->json('/vstream/recordings/live/cam1') } or return;
    ($live) = @{ $d->{recordings} // [] };
    $live && !$live->{complete} && $live->{segments} >= 1;
}, 20), 'a recording in progress is listed, not complete, with segments');

my $id = $live->{id};
like($id, qr/^\d{8}T\d{6}Z$/, 'its ID is the start time, UTC');
is($live->{playlist}, "/rec/live/cam1/$id/index.m3u8", 'and its playlist path');
my $dir = "$p/rec/live/cam1/$id";
like($t->read_file("rec/live/cam1/$id/index.m3u8"), qr/#EXT-X-PLAYLIST-TYPE:EVENT\n/, 'the live index is an EVENT playlist');
unlike($t->read_file("rec/live/cam1/$id/index.m3u8"), qr/ENDLIST/, 'without ENDLIST while live');

my $r = $t->http('DELETE', "/vstream/recordings/live/cam1/$id");
is($r->{status}, 409, 'DELETE while recording: 409');

my ($st) = $t->flood_finish('rec', $pid, 60);
is($st, 0, 'the 20 s publish ran to its end');

my $rec;
ok(wait_for(sub {
    my $d = eval { $t->json('/vstream/recordings') } or return;
    ($rec) = grep { $_->{id} eq $id } @{ $d->{recordings} // [] };
    $rec && $rec->{complete};
}, 15), 'the recording is listed complete after publish_done');

my $index = $t->read_file("rec/live/cam1/$id/index.m3u8");
like($index, qr/#EXT-X-ENDLIST\n\z/, 'the index ends with #EXT-X-ENDLIST');
my @segs = $index =~ /^([^#\n].*)$/mg;
is(scalar @segs, $rec->{segments}, 'the index lists the segments the API counts');
ok(!grep({ !-f "$dir/$_" } @segs), 'every listed segment is in the directory');
my $sum = 0; $sum += -s "$dir/$_" for @segs;
is($rec->{bytes}, $sum, 'bytes: the sum of the segments');
like($rec->{started_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'started_at is RFC 3339');

my %info = $t->read_file("rec/live/cam1/$id/info") =~ /^(\w+) (\d+)$/mg;
is($info{complete}, 1, 'info: complete 1');
is($info{segments}, scalar @segs, 'info: segments');

my ($target) = $index =~ /#EXT-X-TARGETDURATION:(\d+)/;
my $probe = `ffprobe -v error -show_entries format=duration -of csv=p=0 $dir/index.m3u8 2>&1`;
chomp $probe;
ok(abs($probe - 20) <= $target, "ffprobe: $probe s, within one segment ($target s) of 20 s");
ok(abs($rec->{duration_s} - 20) <= $target, "duration_s $rec->{duration_s} within one segment of 20 s");

# served as static HLS
$r = $t->get($rec->{playlist});
is($r->{status}, 200, 'the index is served under /rec/');
$r = $t->get("/rec/live/cam1/$id/$segs[0]");
is($r->{status}, 200, 'a segment too');
like($r->{headers}{'cache-control'} // '', qr/immutable/, 'with a long cache lifetime');

# metrics
my $m = $t->get('/vstream/metrics')->{content};
like($m, qr/^vstream_recordings\{app="live"\} 1$/m, 'vstream_recordings');
like($m, qr/^vstream_recording_bytes\{app="live"\} $sum$/m, 'vstream_recording_bytes');
like($m, qr/^vstream_record_failures_total\{app="live"\} 0$/m, 'no record failures');

SKIP: {
    skip 'vstreamctl not built', 3 unless -x $ctl;
    my $out = `$ctl recordings --url http://127.0.0.1:$http/vstream 2>&1`;
    is($? >> 8, 0, 'vstreamctl recordings: exit 0');
    like($out, qr/^live\s+cam1\s+\Q$id\E\s+.*\bcomplete\b/m, 'lists it complete');
    $out = `$ctl recordings live/cam1 --url http://127.0.0.1:$http/vstream 2>&1`;
    like($out, qr/\Q$id\E/, 'and for live/cam1');
}

# hostile names and ids: 400 or 404, nothing outside the root touched
for my $path ('live/..%2F..%2Fcanary/20260101T000000Z', 'live/cam1/..',
              'live/cam1/20260101T000000Z%2F..', 'live/cam1/%2e%2e',
              'live/%01/20260101T000000Z', 'live/cam1/x20260101T000000Z',
              '..%2Fcanary/x/20260101T000000Z', 'live/cam1/20260101T000000Z-')
{
    my $r = $t->http('DELETE', "/vstream/recordings/$path");
    ok($r->{status} == 400 || $r->{status} == 404, "DELETE $path: $r->{status}");
    $r = $t->get("/vstream/recordings/$path");
    ok($r->{status} =~ /^40[045]$/, "GET $path: $r->{status}");
}
ok(-f "$p/canary/20260101T000000Z", 'the file outside the root is still there');
is($t->get('/vstream/recordings/live/..')->{status} =~ /^40[04]$/ ? 1 : 0, 1, 'GET live/..: refused');
is($t->get('/vstream/recordings/nolive/cam1')->{status}, 404, 'an application that does not record: 404');

# DELETE
is($t->http('DELETE', '/vstream/recordings/live/cam1/20200101T000000Z')->{status}, 404, 'DELETE of no such recording: 404');
is($t->http('GET', "/vstream/recordings/live/cam1/$id")->{status}, 405, 'GET of one recording: 405');
$r = $t->http('DELETE', "/vstream/recordings/live/cam1/$id");
is($r->{status}, 204, 'DELETE of a complete recording: 204');
ok(!-e $dir, 'its directory is gone');
is($t->http('DELETE', "/vstream/recordings/live/cam1/$id")->{status}, 404, 'a second DELETE: 404');
($doc) = $t->json('/vstream/recordings');
is(scalar @{ $doc->{recordings} }, 0, 'the listing is empty again');

# a link planted where a recording would be: DELETE never follows it
mkdir "$p/outside" or die;
$t->write_file('outside/keep', "x\n");
$t->write_file('outside/info', "started_at 1\ncomplete 1\n");
mkdir "$p/rec/live/evil";
symlink("$p/outside", "$p/rec/live/evil/20260101T000000Z") or die;
$r = $t->http('DELETE', '/vstream/recordings/live/evil/20260101T000000Z');
is($r->{status}, 404, 'DELETE of a link planted as a recording: 404');
ok(-f "$p/outside/keep" && -l "$p/rec/live/evil/20260101T000000Z", 'nothing it points to is removed');

done_testing();
