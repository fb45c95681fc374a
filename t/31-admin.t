#!/usr/bin/perl

# The admin API: bearer token, routing, methods, drop from any worker, the
# zone across reload, reaping the records of a killed worker, and hostile
# requests.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg)]);

my $token = 's3cret-token-' . $$;
$t->write_file('conf/admin.token', "$token\n", 0600);

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

# the token file must be private, non-empty, present
for my $case (['0644', "$token\n", qr/accessible by group or others/],
              ['0600', "\n \n", qr/is empty/],
              [undef, undef, qr/cannot be opened/]) {
    my ($mode, $content, $re) = @$case;
    my $conf = $t->read_file('conf/nginx.conf');
    $conf =~ s/admin\.token/bad.token/;
    unlink $t->prefix . '/conf/bad.token';
    $t->write_file('conf/bad.token', $content, oct $mode) if defined $mode;
    my $bad = $t->write_file('conf/bad.conf', $conf);
    my ($ok, $out) = $t->test_config($bad);
    ok(!$ok, 'nginx -t refuses a token file: ' . ($mode // 'missing'));
    like($out, $re, '... saying why');
    like($out, qr/bad\.token/, '... with the path');
}

$t->run;
my $rtmp = $t->port('rtmp');
my %auth = (Authorization => "Bearer $token");

# authentication
my $r = $t->get('/vstream/status');
is($r->{status}, 401, 'no token: 401');
is($r->{headers}{'www-authenticate'}, 'Bearer realm="vstream"', 'with the challenge');
like($r->{content}, qr/^\{"error":"[^"]+"\}$/, 'and a JSON error');
is($r->{headers}{'cache-control'}, 'no-store', 'not cached');
is($t->get('/vstream/status', headers => { Authorization => 'Bearer wrong' })->{status},
   401, 'wrong token: 401');
is($t->get('/vstream/status', headers => { Authorization => "Basic $token" })->{status},
   401, 'another scheme: 401');
is($t->get('/vstream/status', headers => { Authorization => "Bearer ${token}x" })->{status},
   401, 'a longer token: 401');
is($t->get('/vstream/nowhere')->{status}, 401, 'unknown paths need the token too');
$r = $t->get('/vstream/status', headers => \%auth);
is($r->{status}, 200, 'right token: 200');
like($r->{headers}{'content-type'}, qr{^application/json}, 'JSON');
is($r->{headers}{'cache-control'}, 'no-store', 'not cached');

# routing and methods
is($t->get('/vstream/nowhere', headers => \%auth)->{status}, 404, 'unknown path: 404');
is($t->get('/vstream/streams/live/none', headers => \%auth)->{status}, 404,
   'a stream that is not live: 404');
is($t->get('/vstream/streams/live', headers => \%auth)->{status}, 404,
   'a stream path without a name: 404');
$r = $t->http('POST', '/vstream/status', headers => \%auth);
is($r->{status}, 405, 'POST status: 405');
is($r->{headers}{allow}, 'GET, HEAD', 'with Allow');
$r = $t->http('PUT', '/vstream/streams/live/x', headers => \%auth);
is($r->{headers}{allow}, 'GET, HEAD, DELETE', 'streams allow DELETE');
$r = $t->http('HEAD', '/vstream/status', headers => \%auth);
is($r->{status}, 200, 'HEAD: 200');
is($r->{content} // '', '', 'HEAD: no body');
is($t->get('/vstream/status?x=1&y', headers => \%auth)->{status}, 200,
   'a query string is ignored');

# one stream; drop it from whichever worker answers
my $pub = $t->publish("rtmp://127.0.0.1:$rtmp/live/cam1");
ok(wait_for(sub { $t->get('/vstream/streams/live/cam1', headers => \%auth)->{status} == 200 }, 15),
   'one stream: 200 once live');
my $one = $t->json('/vstream/streams/live/cam1', headers => \%auth);
is($one->{name}, 'cam1', 'the stream object');

# reload keeps the record and its counters
my $before = $t->json('/vstream/streams/live/cam1', headers => \%auth);
my $accepted = $t->json('/vstream/status', headers => \%auth)->{totals}{publish_accepted};
$t->reload;
sleep 1.5;
my $after = $t->json('/vstream/streams/live/cam1', headers => \%auth);
is($t->json('/vstream/status', headers => \%auth)->{totals}{publish_accepted}, $accepted,
   'reload keeps the counters');
ok($after->{bytes_in} > $before->{bytes_in}, 'and the stream keeps counting across reload');

# One request on a keep-alive connection: (status, body).
sub request {
    my ($conn, $method, $path) = @_;
    print $conn "$method $path HTTP/1.1\r\nHost: localhost\r\n"
              . "Authorization: Bearer $token\r\n\r\n";
    my $status = <$conn> // '';
    my $len = 0;
    while (my $line = <$conn>) {
        last if $line eq "\r\n";
        $len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
    }
    my $body = '';
    read($conn, $body, $len) if $len;
    return ($status =~ m{^HTTP/1\.1 (\d{3})} ? $1 : 0, $body);
}

# The DELETE from the worker that does not hold the stream (either may
# answer): a keep-alive connection asks status which worker it reached, and
# sends the DELETE there once it is the other one.
my $holder = $one->{publisher}{worker_pid};
my ($conn, $answerer, $tries);
for (1 .. 100) {
    $tries++;
    $conn = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port('http'),
                                  Timeout => 5) or next;
    my ($code, $body) = request($conn, 'GET', '/vstream/status');
    $answerer = $code == 200 && eval { JSON::PP->new->decode($body)->{pid} };
    last if $answerer && $answerer != $holder;
    close $conn;
    undef $conn;
}
ok($conn, "a connection reached the worker that does not hold the stream ($holder)")
    or diag("all $tries connections went to the worker holding it");
note("the other worker answered connection $tries");
my ($code) = $conn ? request($conn, 'DELETE', '/vstream/streams/live/cam1') : ();
is($code, 202, "DELETE a live stream from the other worker ($answerer): 202");
close $conn if $conn;
ok(wait_for(sub { $t->exited($pub) }, 3), 'the publisher is disconnected within 2 s');
ok(wait_for(sub { $t->get('/vstream/streams/live/cam1', headers => \%auth)->{status} == 404 }, 3),
   'and the stream leaves status');
is($t->http('DELETE', '/vstream/streams/live/cam1', headers => \%auth)->{status}, 404,
   'DELETE a stream that is not live: 404');

# kill -9 a worker holding a stream: its record is reaped
my $pub2 = $t->publish("rtmp://127.0.0.1:$rtmp/live/doomed");
my $st = wait_for(sub {
    my $d = $t->json('/vstream/status', headers => \%auth);
    (grep { $_->{name} eq 'doomed' } @{ $d->{streams} })[0];
}, 15);
ok($st, 'a stream to orphan');
$t->expect_log(qr/worker process $st->{publisher}{worker_pid} exited on signal 9/);
kill 'KILL', $st->{publisher}{worker_pid};
ok(wait_for(sub {
    my $d = eval { $t->json('/vstream/status', headers => \%auth) } or return;
    !grep { $_->{name} eq 'doomed' } @{ $d->{streams} };
}, 10), 'the record of a killed worker is reaped');
ok($t->json('/vstream/status', headers => \%auth)->{totals}{reaped} >= 1, 'and counted');
$t->kill_process($pub2);

# hostile requests get a clear 4xx and nothing breaks
my @hostile = (
    '/vstream/streams/live/..%2f..%2fetc%2fpasswd',
    '/vstream/streams/%2e%2e/%2e%2e',
    '/vstream/streams/live/' . ('A' x 10000),
    '/vstream/streams/nosuchapp/cam1',
    '/vstream/streams/live/a/b/c',
    '/vstream/streams//x',
    '/vstream/%00status',
    '/vstream/status%20',
);
for my $path (@hostile) {
    my $code = $t->get($path, headers => \%auth)->{status};
    ok($code >= 400 && $code < 500, "hostile path answered with a 4xx ($code): " . substr($path, 0, 50));
}
for my $h ('Bearer', 'Bearer ' . ('x' x 6000), "Bearer \x01\x02\t", 'bearer',
           '', "Bearer \xff\xfe") {
    my $code = $t->raw("GET /vstream/status HTTP/1.0\r\nAuthorization: $h\r\n\r\n");
    ok($code == 401 || $code == 400, "garbage Authorization answered $code");
}
is($t->get('/vstream/status', headers => \%auth)->{status}, 200, 'the API still answers');
ok($t->json('/vstream/status', headers => \%auth)->{totals}{admin_rejected} > 10,
   'refused admin requests are counted');

done_testing();
