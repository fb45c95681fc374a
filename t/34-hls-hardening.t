#!/usr/bin/perl

# The HLS stats reader against a hostile vstream_hls_path: a playlist or a
# stream directory that is a symbolic link out of the path is not reported,
# a segment that is one is not sized, a FIFO does not stall the worker, and
# every refusal is counted and logged once, not per request.  A 1 MiB
# playlist of short lines is counted whole but only its last 8 segments are
# sized.  The playlists are written by hand (no HLS packager runs): the
# light publisher only makes the streams live.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(mkfifo);
use Test::More;
use Time::HiRes qw(time);
use VStream::Test qw(wait_for);

my $top = VStream::Test::top();
my $flood = "$top/build/rtmp-flood";
my $flv = "$top/build/bench/sample.flv";

plan(skip_all => "$flood not built; run 'make tools'") unless -x $flood;
plan(skip_all => "$flv missing; run 'make tools'") unless -f $flv;

my $t = VStream::Test->new();
my $pre = $t->prefix;

# one worker: every count below is exact
$t->write_conf(<<'END');
%%PREAMBLE%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            vstream_hls_path %%PREFIX%%/vhls;
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

sub playlist {
    my (@segs) = @_;
    return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
         . "#EXT-X-MEDIA-SEQUENCE:7\n"
         . join('', map { "#EXTINF:1.000,\n$_\n" } @segs);
}

# outside the path: a playlist, a directory with one, a big segment
$t->write_file('outside/pl.m3u8', playlist('o.ts'));
$t->write_file('outside/o.ts', 'x' x 5000);
$t->write_file('outside/dir/index.m3u8', playlist('0.ts'));
$t->write_file('outside/dir/0.ts', 'x' x 5000);
$t->write_file('outside/big.ts', 'x' x 100000);

# s1: NAME.m3u8 is a symbolic link to a playlist outside
$t->write_file('vhls/.keep', '');
symlink("$pre/outside/pl.m3u8", "$pre/vhls/s1.m3u8") or die $!;

# s2: NAME/ is a symbolic link to a directory outside
symlink("$pre/outside/dir", "$pre/vhls/s2") or die $!;

# s3: a real flat playlist; one segment is a file, one a symbolic link out,
# three are paths that leave the directory
$t->write_file('vhls/s3.m3u8',
               playlist('s3-0.ts', 's3-1.ts', '../outside/big.ts',
                        "$pre/outside/big.ts", 'http://127.0.0.1/big.ts'));
$t->write_file('vhls/s3-0.ts', 'x' x 1000);
symlink("$pre/outside/big.ts", "$pre/vhls/s3-1.ts") or die $!;

# s4: the same in the nested layout
$t->write_file('vhls/s4/index.m3u8', playlist('0.ts', '1.ts'));
$t->write_file('vhls/s4/0.ts', 'x' x 1000);
symlink("$pre/outside/big.ts", "$pre/vhls/s4/1.ts") or die $!;

# s5, s6: FIFOs where the playlists would be
mkfifo("$pre/vhls/s5.m3u8", 0644) or die $!;
$t->write_file('vhls/s6/.keep', '');
mkfifo("$pre/vhls/s6/index.m3u8", 0644) or die $!;

# s8: a real directory whose index.m3u8 is a symbolic link out
$t->write_file('vhls/s8/.keep', '');
symlink("$pre/outside/pl.m3u8", "$pre/vhls/s8/index.m3u8") or die $!;

# s9: a playlist the workers may not read: an error, not a refusal
$t->write_file('vhls/s9.m3u8', playlist('s3-0.ts'), 0);

# s7: 1 MiB of short lines.  The bulk lists the files 0 .. 9 (1000 bytes
# each) without durations; then a 2 s segment of 1 MB, then the last 8:
# 2 s each, of 1000 .. 8000 bytes.  Only those 8 are sized: 36000 bytes
# over 16 s, 18000 bit/s.  Sizing them all would give about 230 Mbit/s.
$t->write_file("vhls/$_", 'x' x 1000) for 0 .. 9;
$t->write_file('vhls/big.ts', 'x' x 1000000);
$t->write_file("vhls/last$_.ts", 'x' x (1000 * $_)) for 1 .. 8;

my $head = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n";
my $tail = "#EXTINF:2.000,\nbig.ts\n"
         . join('', map { "#EXTINF:2.000,\nlast$_.ts\n" } 1 .. 8);
my $bulk = int((1024 * 1024 - 64 - length($head) - length($tail)) / 2);

sub big_playlist {
    my ($extra) = @_;
    my $n = $bulk + $extra;
    my $body = $head . join('', map { ($_ % 10) . "\n" } 1 .. $n) . $tail;
    # a new file under the name, as a packager writes it
    $t->write_file('vhls/s7.tmp', $body);
    rename("$pre/vhls/s7.tmp", "$pre/vhls/s7.m3u8") or die $!;
    return $n + 9;
}

my $segments = big_playlist(0);
ok(-s "$pre/vhls/s7.m3u8" <= 1024 * 1024, 'the big playlist is at most 1 MiB');

$t->run;
my $rtmp = $t->port('rtmp');

my $pid = fork // die "fork: $!";
if ($pid == 0) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$pre/logs/flood.out";
    open STDERR, '>', "$pre/logs/flood.err";
    exec $flood, '--url', "rtmp://127.0.0.1:$rtmp/live", '--flv', $flv,
         '--streams', 9, '--name-prefix', 's', '--duration', 120
        or exit 127;
}
push @{ $t->{pids} }, $pid;    # the harness stops it at exit

my $doc = wait_for(sub {
    my $d = $t->json('/vstream/status');
    @{ $d->{streams} } == 9 ? $d : undef;
}, 20);
ok($doc, 'nine streams are live') or BAIL_OUT('no live streams');

my %s = map { $_->{name} => $_ } @{ $doc->{streams} };

ok(!defined $s{s1}{hls}, 'NAME.m3u8 linking out of the path: hls null');
ok(!defined $s{s2}{hls}, 'NAME/ linking out of the path: hls null');
ok(!defined $s{s8}{hls}, 'NAME/index.m3u8 linking out of the path: hls null');

my $h3 = $s{s3}{hls} || {};
is($h3->{segments}, 5, 'flat: all five segments are counted');
is($h3->{bitrate_bps}, 1000 * 8 / 5,
   'flat: only the plain file is sized (1000 bytes over 5 s)');

my $h4 = $s{s4}{hls} || {};
is($h4->{playlist}, 's4/index.m3u8', 'nested: read');
is($h4->{bitrate_bps}, 1000 * 8 / 2,
   'nested: a segment that is a symbolic link is not sized');

ok(!defined $s{s5}{hls}, 'a FIFO as NAME.m3u8: hls null');
ok(!defined $s{s6}{hls}, 'a FIFO as NAME/index.m3u8: hls null');

my $h7 = $s{s7}{hls} || {};
is($h7->{segments}, $segments,
   "1 MiB of short lines: all $segments segments counted");
is($h7->{window_s}, 18, 'the window is the whole playlist');
is($h7->{bitrate_bps}, 36000 * 8 / 16,
   'the bitrate is from the last 8 segments only');

# s1, s2, s8, s5, s6: one each; s3: four segments; s4: one.  The totals
# are copied before the playlists are read: the next answer has them.
$doc = $t->json('/vstream/status');
my $refused = $doc->{totals}{hls_refused};
is($refused, 10, 'every refused file is counted');
$t->get('/vstream/status') for 1 .. 5;
$t->get('/vstream/metrics');
$doc = $t->json('/vstream/status');
is($doc->{totals}{hls_refused}, $refused, 'once, not per request');
ok(!defined $s{s9}{hls}, 'a playlist that cannot be opened: hls null');
is($doc->{totals}{hls_errors}, 1, 'it is the one playlist error');
like($t->get('/vstream/metrics')->{content},
     qr/^vstream_hls_refused_files_total $refused$/m, 'metrics: refused files');

my $log = $t->error_log;
for my $f ('s1.m3u8', 's2', 's8/index.m3u8', 's5.m3u8', 's6/index.m3u8') {
    my $n = () = $log =~ /refused "\Q$pre\E\/vhls\/\Q$f\E"/g;
    is($n, 1, "the refusal of $f is logged once");
}
like($log, qr/\[error\] .*"\Q$pre\E\/vhls\/s9\.m3u8" cannot be opened \(13: /,
     'the playlist error is logged with its errno');
my $n3 = () = $log =~ /"\Q$pre\E\/vhls\/s3\.m3u8" lists 4 refused segments/g;
is($n3, 1, 'the refused segments of a playlist are logged once');

# the FIFOs are still there: the worker answers at once
my $t0 = time;
my $r = $t->get('/vstream/status');
ok($r->{status} == 200 && time - $t0 < 2, 'a FIFO does not stall the worker');

# the worst admin request: the big playlist changed since the last one
my $worst = 0;
for my $i (1 .. 3) {
    big_playlist($i);
    $t0 = time;
    $r = $t->get('/vstream/status');
    my $dt = time - $t0;
    $worst = $dt if $dt > $worst;
    my $streams = JSON::PP::decode_json($r->{content})->{streams};
    my ($s7) = grep { $_->{name} eq 's7' } @$streams;
    is($s7 && $s7->{hls} && $s7->{hls}{segments}, $segments + $i,
       "changed big playlist $i is read again");
}
diag(sprintf('GET /vstream/status after a 1 MiB playlist changed: '
             . '%.3f s (worst of 3)', $worst));
ok($worst < 2, 'no stall');

# a refused playlist that is fixed is read; a file made a link is refused
unlink "$pre/vhls/s1.m3u8";
$t->write_file('vhls/s1.m3u8', playlist('s3-0.ts'));
unlink "$pre/vhls/s3-0.ts";
symlink("$pre/outside/big.ts", "$pre/vhls/s3-0.ts") or die $!;
$t->write_file('vhls/s3.m3u8', playlist('s3-0.ts'));
my $d = wait_for(sub {
    my $d = $t->json('/vstream/status');
    my %x = map { $_->{name} => $_ } @{ $d->{streams} };
    $x{s1}{hls} && $x{s3}{hls} && $x{s3}{hls}{segments} == 1 ? \%x : undef;
}, 5);
ok($d && $d->{s1}{hls}{bitrate_bps} == 0, 'a link replaced by a file: read');
ok($d && $d->{s3}{hls}{bitrate_bps} == 0,
   'a file replaced by a link: not sized');
is($t->json('/vstream/status')->{totals}{hls_refused}, $refused + 2,
   'both playlists now list that link: counted');

done_testing();
