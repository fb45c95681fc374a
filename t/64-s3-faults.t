#!/usr/bin/perl

# vstream_record_s3 when things go wrong.  S3 stops in the middle of a
# recording: the tries fail with backoff (a few, not hundreds), are counted,
# logged once for the outage; no local segment goes while S3 is away; when
# it is back every segment arrives, each once, and the playlist has no
# duplicate.  A reload and a killed worker lose nothing either (the
# directories are the queue) and exactly one worker uploads.  Credentials
# from the instance role through a fake IMDSv2: the token PUT first, the
# token on every request, credentials fetched again when they near their
# Expiration.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Basename qw(basename);
use JSON::PP;
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);
use VStream::S3;

my $t = VStream::Test->new(need => [qw(ffmpeg)]);
my $s3 = VStream::S3->new($t, bucket => 'vstream-rec');
$s3->start;

my $prefix = $t->prefix;
my $rec = "$prefix/rec";
my $endpoint = $s3->endpoint;

$t->write_file('conf/s3.credentials',
               "aws_access_key_id = $VStream::S3::KEY_ID\n"
               . "aws_secret_access_key = $VStream::S3::SECRET\n", 0600);

$t->write_conf(VStream::S3::conf(
    app => 'live', path => $rec, workers => 2,
    s3 => "bucket=vstream-rec region=us-east-1 endpoint=$endpoint "
          . 'credentials=s3.credentials'));

my $pool = VStream::S3::segments($t, 'cam', 16);
cmp_ok(scalar @$pool, '>=', 15, 'ffmpeg made ' . @$pool . ' segments');

sub metric {
    my ($tt, $result) = @_;
    my $m = $tt->get('/vstream/metrics')->{content} // '';
    return $m =~ /^vstream_s3_uploads_total\{app="live",result="$result"\} (\d+)$/m
        ? $1 : 0;
}

sub nworkers { my @w = $_[0]->worker_pids; scalar @w }

sub uploaders { scalar(() = $_[0]->error_log =~ /the S3 uploader runs in this worker/g) }

my $id = '20261201T130000Z';
my $base = "live/cam/$id";
my $r = VStream::S3::Recording->new("$rec/live/cam/$id", $pool);

# a worker killed after it uploaded and noted a segment, before it removed
# the local copy: the segment is not sent again, and the copy goes at the end
my $crash = VStream::S3::Recording->new("$rec/live/crash/$id",
                                        [@$pool[0, 1]]);
$crash->add(2);
$crash->finish;
my ($first) = map { $_->[0] } $crash->listed;
my ($rc, $cp) = $s3->aws('s3', 'cp', '--only-show-errors',
                         $crash->dir . "/$first",
                         's3://' . $s3->bucket . "/live/crash/$id/$first");
is($rc, 0, 'a segment put there by a worker that died after it') or diag($cp);
$t->write_file($crash->dir . '/s3.uploaded', "$first\n", 0666);

$t->run;
ok(wait_for(sub { -e $crash->dir . '/s3.done' }, 30),
   'the recording the dead worker left is finished');
# (both workers are up by now)
is(uploaders($t), 1, 'one worker of two uploads');
is($t->read_file($crash->dir . '/s3.uploaded'),
   join('', map { "$_->[0]\n" } $crash->listed),
   '... without sending the noted segment again');
ok(!-e $crash->dir . "/$first", '... and its local copy is removed');

$r->add(2);
ok(wait_for(sub { $s3->count("$base/") == 2 }, 30), 'the first segments arrive');

# -- S3 goes away in the middle of the recording --------------------------------

$s3->stop;
my $away = time;
$r->add(3);
ok(wait_for(sub { metric($t, 'failed') >= 2 }, 30),
   'uploads fail while S3 is away, and are counted');
my @held = map { $_->[0] } ($r->listed)[2 .. 4];
ok(!grep({ !-e $r->dir . "/$_" } @held),
   'no local segment goes while S3 is away');
$r->add(2);
sleep 6 - (time - $away) if time - $away < 6;
my $failed = metric($t, 'failed');
my $secs = time - $away;
cmp_ok($failed, '<=', 6,
       sprintf('%d tries in %.1f s of outage: backoff, not a loop', $failed,
               $secs));
is(scalar(() = $t->error_log =~ /S3 upload of .* failed/g), 1,
   'the outage is logged once, not per try');
$t->expect_log(qr/S3 upload of .* failed/);

$s3->start;
ok(wait_for(sub { $s3->count("$base/") == 7 }, 90),
   'S3 is back: every segment arrives');
like($t->error_log, qr/S3 uploads resumed after \d+ failed tries/,
     'the end of the outage is logged');
ok(!grep({ -e $r->dir . "/$_->[0]" } $r->listed),
   'the local copies are gone once S3 confirmed them');

# -- a reload, then a killed worker, in the middle of the recording ------------

$r->add(2);
$t->reload;
ok(wait_for(sub { $s3->count("$base/") == 9 }, 30),
   'what was listed around the reload arrives');
ok(wait_for(sub { uploaders($t) >= 2 && nworkers($t) == 2 }, 20)
   && uploaders($t) == 2, 'after a reload one new worker uploads');

my $before = uploaders($t);
kill 'KILL', $t->worker_pids;
$t->expect_log(qr/exited on signal 9/);
$r->add(2);
ok(wait_for(sub { $s3->count("$base/") == 11 }, 30),
   'what was listed around the crash arrives');
ok(wait_for(sub { nworkers($t) == 2 }, 20)
   && uploaders($t) == $before + 1,
   'killed, the workers are respawned and one uploads again');

$r->finish;
ok(wait_for(sub { -e $r->dir . '/s3.done' }, 30), 'the playlist goes up');

my @keys = $s3->keys("$base/");
is_deeply(\@keys, [sort((map { "$base/$_->[0]" } $r->listed),
                        "$base/index.m3u8")],
          'every listed segment and the playlist are in S3');

my $got = $s3->download("$base/", "$prefix/download");
my @entries = grep { /^[^#]/ } split /\n/, $t->read_file("$got/index.m3u8");
is_deeply(\@entries, [map { $_->[0] } $r->listed],
          'the uploaded playlist lists each segment once, in order');
is(scalar(@{[ split /\n/, $t->read_file($r->dir . '/s3.uploaded') ]}),
   scalar($r->listed), 's3.uploaded holds each segment once');
like(`ffprobe -v error -show_entries format=duration -of csv=p=0 '$got/index.m3u8' 2>&1`,
     qr/^[\d.]+$/, 'ffprobe reads it');
# (a worker killed between an upload and its note may upload it again)
cmp_ok(metric($t, 'uploaded'), '>=', scalar($r->listed) + 1,
       'vstream_s3_uploads_total{result="uploaded"} counts them')
    or diag($t->get('/vstream/metrics')->{content});

$t->stop;

# -- the instance role through IMDSv2 -------------------------------------------

my $i = VStream::Test->new(need => [qw(ffmpeg)]);
my ($imds_port, $imds_log) = VStream::S3::imds($i, ttl => 1);

$i->write_conf(VStream::S3::conf(
    app => 'role', path => $rec,
    s3 => "bucket=vstream-rec region=us-east-1 prefix=imds "
          . "endpoint=$endpoint imds=http://127.0.0.1:$imds_port"));

my $ri = VStream::S3::Recording->new("$rec/role/cam/$id", $pool);
$ri->add(2);
$i->run;

ok(wait_for(sub { $s3->count("imds/role/cam/$id/") == 2 }, 30),
   'uploads signed with the instance role\'s credentials arrive');
sleep 2.5;
$ri->add(2);
$ri->finish;
ok(wait_for(sub { $s3->count("imds/role/cam/$id/") == 5 }, 30),
   'and after the credentials neared their expiration');

my @reqs = map { decode_json($_) } split /\n/, $i->read_file($imds_log);
is($reqs[0]{method} . ' ' . $reqs[0]{path}, 'PUT /latest/api/token',
   'IMDSv2: the token PUT comes first');
ok(defined $reqs[0]{headers}{'x-aws-ec2-metadata-token-ttl-seconds'},
   '... with X-aws-ec2-metadata-token-ttl-seconds');
my @gets = grep { $_->{method} eq 'GET' } @reqs;
ok(@gets && !grep({ ($_->{headers}{'x-aws-ec2-metadata-token'} // '') eq ''
                  } @gets),
   'every GET carries X-aws-ec2-metadata-token');
is(scalar(grep { $_->{status} != 200 } @reqs), 0, 'IMDS refused nothing');
my $creds = grep { $_->{path} =~ m{security-credentials/vstream-role$} } @reqs;
cmp_ok($creds, '>=', 2, "the role's credentials fetched again before "
                        . "Expiration ($creds fetches)");
is(scalar(grep { $_->{method} eq 'PUT' } @reqs), 1,
   'the token is cached (one PUT)');

$i->stop;
$s3->stop;

done_testing();
