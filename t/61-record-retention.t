#!/usr/bin/perl

# Retention: vstream_record_max_size removes the oldest complete recordings
# while an application's recordings hold more bytes, never one in progress;
# vstream_record_max_age removes those that ended longer ago.  Removals are
# counted (vstream_record_removed_total) and logged.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use VStream::Test qw(wait_for);
use VStream::Record qw(rec_publish rec_list);

my $t = VStream::Test->new(need => [qw(flood)]);
my $p = $t->prefix;

mkdir "$p/rec" or die "$p/rec: $!";
chmod 0777, "$p/rec";

# a 6 s recording of the sample is about 0.6 of the 10 s file; the limit
# holds one recording, not two
my $max = int((-s VStream::Test::flood_sample()) * 0.9);

$t->write_conf(<<"END");
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        hls_fragment 2s;
        hls_playlist_length 6s;
        application sized {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls/sized;
            vstream_hls_path %%PREFIX%%/hls/sized;
            vstream_record_path %%PREFIX%%/rec;
            vstream_record_max_size $max;
        }
        application aged {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls/aged;
            vstream_hls_path %%PREFIX%%/hls/aged;
            vstream_record_path %%PREFIX%%/rec;
            vstream_record_max_age 2s;
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

sub recs { rec_list($t, @_) }
sub publish { rec_publish($t, @_) }

# by size: a, then b; once b is complete, a (the oldest) goes
my $a = publish('sized', 'a', 6);
my $aged = publish('aged', 'old', 3);
is(($t->flood_finish('sized-a', $a, 40))[0], 0, 'sized/a published');
my ($ra);
ok(wait_for(sub { ($ra) = grep { $_->{complete} } recs('sized'); $ra }, 15),
   'sized/a is complete');
ok($ra->{bytes} <= $max, "one recording ($ra->{bytes} bytes) fits $max");

my $b = publish('sized', 'b', 6);
ok(wait_for(sub { grep { $_->{name} eq 'b' } recs('sized') }, 15), 'sized/b is recording');
ok((grep { $_->{name} eq 'a' } recs('sized')), 'a stays while b is in progress');
is(($t->flood_finish('sized-b', $b, 40))[0], 0, 'sized/b published');

ok(wait_for(sub {
    my @r = recs('sized');
    @r == 1 && $r[0]{name} eq 'b' && $r[0]{complete};
}, 30), 'over vstream_record_max_size: the oldest (a) was removed, b kept');
ok(!-e "$p/rec/sized/a", 'with its directories');
like($t->error_log, qr/recording "sized\/a\/\d{8}T\d{6}Z" removed: over vstream_record_max_size/,
     'the removal is logged');

# by age
is(($t->flood_finish('aged-old', $aged, 40))[0], 0, 'aged/old published');
ok(wait_for(sub { !recs('aged') && -d "$p/rec/aged" }, 30),
   'older than vstream_record_max_age: removed');
like($t->error_log, qr/recording "aged\/old\/\S+" removed: older than vstream_record_max_age/,
     'that removal is logged too');

# an in-progress recording is never removed, however old or big
my $long = publish('aged', 'live', 30);
ok(wait_for(sub { grep { $_->{name} eq 'live' && $_->{segments} >= 1 } recs('aged') }, 20),
   'a live recording in an application with a max age');
sleep 6;
ok((grep { $_->{name} eq 'live' && !$_->{complete} } recs('aged')),
   'it is kept while in progress, past the max age');
$t->kill_process($long);

my $m = $t->get('/vstream/metrics')->{content};
like($m, qr/^vstream_record_removed_total\{app="sized"\} 1$/m, 'sized: 1 removal counted');
like($m, qr/^vstream_record_removed_total\{app="aged"\} 1$/m, 'aged: 1 removal counted');
like($m, qr/^vstream_recordings\{app="sized"\} 1$/m, 'vstream_recordings{app="sized"} 1');

done_testing();
