#!/usr/bin/perl

# vstream_record_s3: recordings go to a real S3-compatible server (s3rver,
# checking SigV4 signatures) started by the test.  A complete recording left
# from before the start, and one still growing: each listed segment arrives
# under PREFIX/APP/NAME/ID/FILE with its content type, its local copy is
# removed only after, the playlist goes up only once it has ENDLIST and after
# all its segments, and what the awscli downloads plays end to end in
# ffprobe.  Segments not yet listed stay; a listed segment that vanished is
# counted, not retried forever; names that are not plain files are skipped,
# and a listed segment that is a symbolic link is never followed.
# nginx -t refuses bad parameters naming them, and a credentials file others
# can read.  Then the uploader's C unit test (t/unit/s3_test.c).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::MD5 qw(md5_hex);
use File::Basename qw(basename);
use Test::More;
use VStream::Test qw(wait_for);
use VStream::S3;
use VStream::Unit;

my $t = VStream::Test->new(need => [qw(ffmpeg ffprobe)]);
my $s3 = VStream::S3->new($t, bucket => 'vstream-rec');
$s3->start;

my $prefix = $t->prefix;
my $rec = "$prefix/rec";
my $endpoint = $s3->endpoint;

$t->write_file('conf/s3.credentials',
               "# s3rver's account\n[other]\naws_access_key_id = NOPE\n"
               . "aws_secret_access_key = NOPE\n\n[default]\n"
               . "aws_access_key_id = $VStream::S3::KEY_ID\n"
               . "aws_secret_access_key = $VStream::S3::SECRET\n", 0600);

my $conf = VStream::S3::conf(
    app => 'live', path => $rec, workers => 2,
    s3 => "bucket=vstream-rec region=us-east-1 prefix=vod/v1 "
          . "endpoint=$endpoint credentials=s3.credentials");

$t->write_conf($conf);

# -- nginx -t: strict parameters, the credentials file's mode ------------------

$t->write_file('conf/open.credentials',
               "aws_access_key_id = A\naws_secret_access_key = S\n", 0644);
$t->write_file('conf/empty.credentials', "[default]\nregion = x\n", 0600);
$t->write_file('conf/theirs.credentials',
               "aws_access_key_id = A\naws_secret_access_key = S\n", 0600);
chown 4242, 4242, $t->prefix . '/conf/theirs.credentials' or die $!;

my @bad = (
    ['missing bucket', 's/bucket=vstream-rec //',
     qr/"vstream_record_s3" needs "bucket=" and "region="/],
    ['bad bucket', 's/bucket=vstream-rec/bucket=Bad_Bucket/',
     qr/"vstream_record_s3": invalid parameter "bucket=Bad_Bucket"/],
    ['bad region', 's/region=us-east-1/region=US_EAST/',
     qr/"vstream_record_s3": invalid parameter "region=US_EAST"/],
    ['bad endpoint', "s{endpoint=\\S+}{endpoint=ftp://127.0.0.1/x}",
     qr{"vstream_record_s3": invalid parameter "endpoint=ftp://127\.0\.0\.1/x"}],
    ['endpoint with a path', "s{endpoint=(\\S+)}{endpoint=\$1/bucket}",
     qr{invalid parameter "endpoint=http://127\.0\.0\.1:\d+/bucket"}],
    ['bad prefix', 's{prefix=vod/v1}{prefix=vod/../x}',
     qr{invalid parameter "prefix=vod/\.\./x"}],
    ['unknown parameter', 's/prefix=/prefx=/',
     qr/"vstream_record_s3": invalid parameter "prefx=vod\/v1"/],
    ['duplicate parameter', 's/prefix=vod\/v1/prefix=a prefix=b/',
     qr/"vstream_record_s3": duplicate parameter "prefix=b"/],
    ['credentials file 0644', 's/s3\.credentials/open.credentials/',
     qr/secret file "\S+open\.credentials" is accessible by group or others \(mode 0644\).*\n.*"vstream_record_s3": invalid parameter "credentials=open\.credentials"/],
    ['credentials file missing', 's/s3\.credentials/none.credentials/',
     qr/secret file "\S+none\.credentials" cannot be opened.*\n.*"vstream_record_s3": invalid parameter "credentials=none\.credentials"/],
    ['credentials of another user', 's/s3\.credentials/theirs.credentials/',
     qr/invalid parameter "credentials=\S+theirs\.credentials": it must be owned by root or the nginx user/],
    ['credentials without keys', 's/s3\.credentials/empty.credentials/',
     qr/credentials file "\S+empty\.credentials": no aws_access_key_id/],
    ['credentials and imds', 's/credentials=s3\.credentials/credentials=s3.credentials imds=http:\/\/127.0.0.1:1/',
     qr/"credentials=" and "imds=" exclude each other/],
    ['no record path', 's/vstream_record_path .*;//',
     qr/"vstream_record_s3" needs "vstream_record_path" in application "live"/],
    ['in the server block', 's/(listen 127\.0\.0\.1:\d+;)/$1 vstream_record_s3 bucket=abc region=r;/',
     qr/"vstream_record_s3" directive is not allowed here/],
);

my $good = $t->read_file('conf/nginx.conf');
for my $case (@bad) {
    my ($what, $edit, $re) = @$case;
    local $_ = $good;
    eval $edit;
    die $@ if $@;
    isnt($_, $good, "($what: the edit applies)");
    my ($ok, $out) = $t->test_config($t->write_file('conf/bad.conf', $_));
    ok(!$ok, "nginx -t refuses: $what");
    like($out, $re, '... naming the directive and what is wrong');
}

my ($ok, $out) = $t->test_config;
ok($ok, 'nginx -t accepts the good configuration') or diag($out);

# -- recordings as the recorder leaves them ---------------------------------

my $pool = VStream::S3::segments($t, 'cam', 12);
cmp_ok(scalar @$pool, '>=', 10, 'ffmpeg made ' . @$pool . ' segments');
my %md5 = map { basename($_->[0]) => md5_hex($t->read_file($_->[0])) } @$pool;

# one complete from a previous run; one live; one with a vanished segment
my $old = VStream::S3::Recording->new("$rec/live/cam/20261201T100000Z",
                                      [@$pool[0 .. 2]]);
$old->add(3);
$old->finish;

my $live = VStream::S3::Recording->new("$rec/live/cam/20261201T110000Z",
                                       [@$pool[3 .. 9]]);
$live->add(2);
# linked in, not yet listed: must wait
link($pool->[5][0], $live->dir . '/' . basename($pool->[5][0])) or die $!;

my $lost = VStream::S3::Recording->new("$rec/live/other/20261201T120000Z",
                                       [@$pool[6 .. 8]]);
$lost->add(1);
$lost->add(1, missing => 1);
$lost->add(1);
# not plain file names of the directory: skipped, never uploaded; a
# listed name that is a link (to a file outside) is not followed
$t->write_file('outside-secret.ts', "not a segment\n");
symlink("$prefix/outside-secret.ts", $lost->dir . '/linked.ts') or die $!;
{
    my $pl = $t->read_file($lost->dir . '/index.m3u8');
    $pl .= "#EXTINF:1.0,\n../../escape.ts\n#EXTINF:1.0,\ns3.uploaded\n";
    $pl .= "#EXTINF:1.0,\nlinked.ts\n";
    $pl .= "#EXT-X-ENDLIST\n";
    $t->write_file($lost->dir . '/index.m3u8', $pl);
}

$t->run;

my $base = 'vod/v1/live/cam/20261201T110000Z';
my $old_base = 'vod/v1/live/cam/20261201T100000Z';

my @want_old = ((map { "$old_base/" . $_->[0] } $old->listed),
                "$old_base/index.m3u8");
ok(wait_for(sub {
    my %k = map { $_ => 1 } $s3->keys('vod/v1/live/cam/');
    !grep { !$k{$_} } @want_old, map { "$base/" . $_->[0] } $live->listed
}, 60), 'the complete recording and the live one\'s listed segments arrive');

ok(-e $old->dir . '/s3.done', 's3.done marks the complete recording');
ok(!grep({ -e $old->dir . "/$_->[0]" } $old->listed),
   'its local segments are removed');
ok(-e $old->dir . '/index.m3u8' && -e $old->dir . '/info',
   'its playlist and info stay for the recorder\'s listing');

my @k = $s3->keys("$base/");
ok(!grep({ $_ eq "$base/index.m3u8" } @k),
   'the live playlist (EVENT) is not uploaded');
ok(!grep({ $_ eq "$base/" . basename($pool->[5][0]) } @k),
   'a segment linked in but not yet listed is not uploaded');
ok(-e $live->dir . '/' . basename($pool->[5][0]), '... and stays');

# the live recording grows, then ends
$live->add(3);
ok(wait_for(sub { scalar(grep { /\.ts$/ } $s3->keys("$base/")) == 5 }, 60),
   'the segments listed later arrive');
ok(!grep({ $_ eq "$base/index.m3u8" } $s3->keys("$base/")),
   'still no playlist before ENDLIST');
$live->add(2);
$live->finish;
ok(wait_for(sub { -e $live->dir . '/s3.done' }, 60),
   'after ENDLIST the playlist goes up (s3.done)');

my @keys = $s3->keys("$base/");
is_deeply(\@keys, [sort((map { "$base/" . $_->[0] } $live->listed),
                        "$base/index.m3u8")],
          'exactly the listed segments and the playlist, under '
          . 'PREFIX/APP/NAME/ID/FILE');

my $uploaded = $t->read_file($live->dir . '/s3.uploaded');
is_deeply([split /\n/, $uploaded], [map { $_->[0] } $live->listed],
          's3.uploaded lists each segment once, in order');
ok(!grep({ -e $live->dir . "/$_->[0]" } $live->listed),
   'local segments removed after S3 confirmed them');

my $seg = (grep { /\.ts$/ } @keys)[0];
is($s3->head($seg)->{ContentType}, 'video/mp2t', 'segments are video/mp2t');
is($s3->head("$base/index.m3u8")->{ContentType},
   'application/vnd.apple.mpegurl',
   'the playlist is application/vnd.apple.mpegurl');

my $got = $s3->download("$base/", "$prefix/download");
is_deeply({ map { $_ => md5_hex($t->read_file("$got/$_")) }
            map { $_->[0] } $live->listed },
          { map { $_->[0] => $md5{$_->[0]} } $live->listed },
          'the downloaded segments are the recorded bytes');
is($t->read_file("$got/index.m3u8"), $t->read_file($live->dir . '/index.m3u8'),
   'the downloaded playlist is the final one');

my $want = 0;
$want += $_->[1] for $live->listed;
my $probe = `ffprobe -v error -show_entries format=duration -of csv=p=0 '$got/index.m3u8' 2>&1`;
chomp $probe;
like($probe, qr/^[\d.]+$/, 'ffprobe reads the downloaded VOD playlist')
    or diag($probe);
ok(abs($probe - $want) < 1.5,
   "... end to end: $probe s of the $want s listed");

# the recording with a vanished segment and odd names
ok(wait_for(sub { -e $lost->dir . '/s3.done' }, 60),
   'a recording with a vanished segment is finished all the same');
my $lbase = 'vod/v1/live/other/20261201T120000Z';
my @lost_listed = $lost->listed;
is_deeply([$s3->keys("$lbase/")],
          [sort "$lbase/$lost_listed[0][0]", "$lbase/$lost_listed[2][0]",
                "$lbase/index.m3u8"],
          'its present segments and playlist arrive; odd names are skipped');
ok(!grep({ /escape/ } $s3->keys('')), 'nothing escaped the key layout');
ok(!grep({ /linked/ } $s3->keys('')), 'the listed link was not followed');
ok(-e "$prefix/outside-secret.ts", '... and what it points at is untouched');
like($t->error_log, qr/\[warn\].*S3: .*linked\.ts.* not a regular file/,
     '... logged as refused, naming it');

# -- counters ------------------------------------------------------------------

my $m = $t->get('/vstream/metrics')->{content};
my $files = 3 + 1 + 7 + 1 + 2 + 1;
my $bytes = 0;
$bytes += $_->[2] for $old->listed, $live->listed, @lost_listed[0, 2];
$bytes += -s "$_/index.m3u8" for $old->dir, $live->dir, $lost->dir;
like($m, qr/^vstream_s3_uploads_total\{app="live",result="uploaded"\} $files$/m,
     "vstream_s3_uploads_total counts the $files files uploaded");
like($m, qr/^vstream_s3_uploads_total\{app="live",result="gone"\} 2$/m,
     '... and the one that vanished and the link, not uploaded');
like($m, qr/^vstream_s3_uploads_total\{app="live",result="failed"\} 0$/m,
     '... and no failure');
like($m, qr/^vstream_s3_upload_bytes_total\{app="live"\} $bytes$/m,
     "vstream_s3_upload_bytes_total: $bytes bytes");
like($m, qr/^# TYPE vstream_s3_uploads_total counter$/m, 'typed as a counter');
SKIP: {
    skip 'promtool not installed', 1
        unless system('command -v promtool >/dev/null 2>&1') == 0;
    $t->write_file('metrics.txt', $m);
    my $check = `promtool check metrics < '$prefix/metrics.txt' 2>&1`;
    is($?, 0, 'promtool check metrics accepts them') or diag($check);
}

unlike($t->error_log, qr/S3 upload .* failed/, 'no upload failed');

$t->stop;
$s3->stop;

# -- the nginx-free part ---------------------------------------------------------

VStream::Unit::run(
    name    => 's3',
    sources => [qw(t/unit/s3_test.c src/vstream_s3.c)],
    libs    => ['-ljansson'],
);
