#!/usr/bin/perl

# vstreamctl against a live nginx with the module: the status table, --json,
# drop, a wrong token, and nothing listening.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg)]);
my $ctl = VStream::Test::top() . '/build/vstreamctl';
plan(skip_all => 'vstreamctl not built; run make vstreamctl') unless -x $ctl;

$t->write_file('conf/admin.token', "tok-$$\n", 0600);
$t->write_file('conf/wrong.token', "nope\n", 0600);

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live { live on; }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ {
            vstream_admin;
            vstream_admin_token_file admin.token;
        }
    }
}
END

$t->run;
my $rtmp = $t->port('rtmp');
my $url = 'http://127.0.0.1:' . $t->port('http') . '/vstream';
my $tok = $t->prefix . '/conf/admin.token';

sub ctl {
    my ($args, %env) = @_;
    local @ENV{keys %env} = values %env;
    my $out = `$ctl $args 2>$t->{prefix}/stderr`;
    return ($? >> 8, $out, $t->read_file('stderr'));
}

my ($rc, $out, $err) = ctl("status --url $url --token-file $tok");
is($rc, 0, 'status with no streams: exit 0');
like($out, qr/no live streams/, 'says so');

my $pub = $t->publish("rtmp://127.0.0.1:$rtmp/live/cam1", size => '640x360');
ok(wait_for(sub {
    my $s = eval { $t->status_stream('live', 'cam1',
                   headers => { Authorization => "Bearer tok-$$" }) };
    $s && $s->{video}{width};
}, 15), 'a stream is live');
sleep 1;

($rc, $out, $err) = ctl('status', VSTREAM_URL => $url, VSTREAM_TOKEN_FILE => $tok);
is($rc, 0, 'status from the environment: exit 0');
like($out, qr{live/cam1}, 'the table lists the stream');
like($out, qr{127\.0\.0\.1}, 'its publisher');
like($out, qr{640x360}, 'its resolution');

($rc, $out) = ctl("status --json --url $url --token-file $tok");
my $doc = eval { decode_json($out) };
is($doc && $doc->{version}, 1, '--json passes the status document through');

($rc, $out, $err) = ctl("status --url $url --token-file $t->{prefix}/conf/wrong.token");
is($rc, 1, 'a wrong token: exit 1');
like($err, qr/401/, 'saying 401');
is(scalar(() = $err =~ /\n/g), 1, 'in one line');

($rc, $out, $err) = ctl("drop live/nothere --url $url --token-file $tok");
is($rc, 1, 'drop of a stream that is not live: exit 1');
like($err, qr/404/, 'saying 404');

($rc, $out, $err) = ctl("drop live/cam1 --url $url --token-file $tok");
is($rc, 0, 'drop: exit 0');
ok(wait_for(sub { $t->exited($pub) }, 3), 'the publisher is disconnected');

($rc, $out, $err) = ctl("status --url http://127.0.0.1:9/vstream");
is($rc, 1, 'nothing listening: exit 1');
like($err, qr/connect/i, 'says it cannot connect');

($rc, $out, $err) = ctl('frobnicate');
is($rc, 2, 'an unknown command: exit 2');

done_testing();
