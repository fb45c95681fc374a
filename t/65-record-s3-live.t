#!/usr/bin/perl

# The whole path of a recording to S3, end to end: a real publisher (the
# sample FLV in real time), nginx-rtmp's HLS, the recorder linking its
# segments into the recording, the uploader sending them to a real
# S3-compatible server (s3rver) while the stream is live and the VOD
# playlist once it is finished.  The local copies of the segments go only
# after S3 has them; what the awscli downloads plays in ffprobe for the
# length of the publish; the admin API still lists the recording complete.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use VStream::Test qw(wait_for);
use VStream::S3;

my $t = VStream::Test->new(need => [qw(flood ffprobe)]);
my $s3 = VStream::S3->new($t, bucket => 'vstream-live');
$s3->start;

my $p = $t->prefix;
for my $d ("$p/rec", "$p/hls") {
    next if -d $d;
    mkdir $d or die "$d: $!";
    chmod 0777, $d;
}
$t->write_file('conf/s3.credentials',
               "[default]\naws_access_key_id = $VStream::S3::KEY_ID\n"
               . "aws_secret_access_key = $VStream::S3::SECRET\n", 0600);
my $endpoint = $s3->endpoint;

$t->write_conf(<<"END");
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls;
            hls_fragment 2s;
            hls_playlist_length 6s;
            vstream_hls_path %%PREFIX%%/hls;
            vstream_record_path %%PREFIX%%/rec;
            vstream_record_s3 bucket=vstream-live region=us-east-1 prefix=vod endpoint=$endpoint credentials=s3.credentials;
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
my $url = 'rtmp://127.0.0.1:' . $t->port('rtmp') . '/live';

my $pub = $t->flood('cam', '--url', $url, '--name', 'cam', '--duration', 16, '--rate', 1);

# while live: segments go up, the EVENT playlist does not
my $live;
ok(wait_for(sub {
    ($live) = @{ $t->json('/vstream/recordings')->{recordings} // [] };
    $live && !$live->{complete} && grep { /\.ts$/ } $s3->keys('vod/live/cam/');
}, 30), 'segments reach S3 while the stream is live');
my $id = $live->{id};
ok(!grep({ /index\.m3u8$/ } $s3->keys("vod/live/cam/$id/")),
   'and not the playlist of a recording in progress');

my ($rc) = $t->flood_finish('cam', $pub, 40);
is($rc, 0, 'the publisher ran 16 s to its end');

ok(wait_for(sub { -e "$p/rec/live/cam/$id/s3.done" }, 30), 'the upload finished (s3.done)');
my @keys = $s3->keys("vod/live/cam/$id/");
my @ts = grep { /\.ts$/ } @keys;
ok(grep({ $_ eq "vod/live/cam/$id/index.m3u8" } @keys), 'the VOD playlist is in S3');
my $rec = $t->json("/vstream/recordings/live/cam")->{recordings}[0];
ok($rec && $rec->{complete}, 'the API lists the recording complete');
is(scalar @ts, $rec->{segments}, "every segment is in S3 ($rec->{segments})");
my @left = glob "$p/rec/live/cam/$id/*.ts";
is(scalar @left, 0, 'no local copy of a segment is left (each removed after S3 had it)');

# what S3 holds plays for the length of the publish
my $dir = $s3->download("vod/live/cam/$id/", "$p/download");
my $index = $t->read_file("download/index.m3u8") // '';
like($index, qr/#EXT-X-ENDLIST\s*$/, 'the playlist ends with #EXT-X-ENDLIST');
my %seen;
my @dup = grep { $seen{$_}++ } $index =~ /^([^#\s].*)$/mg;
is(scalar @dup, 0, 'no segment is listed twice');
my $dur = `ffprobe -v error -show_entries format=duration -of csv=p=0 '$dir/index.m3u8' 2>&1`;
chomp $dur;
ok($dur =~ /^[\d.]+$/ && abs($dur - 16) <= 2 * 2 + 0.5,
   "ffprobe reads the downloaded recording end to end: $dur s for 16 s published");

my $m = $t->get('/vstream/metrics')->{content};
like($m, qr/^vstream_s3_uploads_total\{app="live",result="uploaded"\} (\d+)$/m,
     'uploads are counted');
my ($up) = $m =~ /^vstream_s3_uploads_total\{app="live",result="uploaded"\} (\d+)$/m;
is($up, scalar(@ts) + 1, 'one upload per segment and one for the playlist');

$s3->stop;
done_testing();
