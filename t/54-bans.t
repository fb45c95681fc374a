#!/usr/bin/perl

# Bans of stream names: DELETE /vstream/streams/APP/NAME?ban=SECONDS drops
# the publisher and bans the name; PUT /vstream/bans/APP/NAME?seconds=N
# bans a name (201, 200 when it was banned), DELETE lifts it (204, 404),
# GET /vstream/bans lists them.  A banned name is refused with reason
# banned on every worker (counted, logged, in the ring and the metrics, a
# publish_denied event); bans live in the shared zone, survive a reload,
# end by themselves; a full table is 507 and counted.  Bad SECONDS: 400.
# vstreamctl drop --ban, bans, ban and unban against the same server.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use HTTP::Tiny;
use Test::More;
use Time::HiRes qw(time);
use VStream::Test qw(wait_for);
use VStream::Hook;

my $t = VStream::Test->new(need => ['flood']);
my $hook = VStream::Hook->new($t);
my $token = "tok-$$";
$t->write_file('conf/admin.token', "$token\n", 0600);

$t->write_conf(<<"END");
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            vstream_webhook http://127.0.0.1:$hook->{port}/hooks;
        }
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

my $base = 'rtmp://127.0.0.1:' . $t->port('rtmp') . '/live';
my $api = 'http://127.0.0.1:' . $t->port('http') . '/vstream';
my %auth = (headers => { Authorization => "Bearer $token" });
my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);

sub req {
    my ($method, $path, %o) = @_;
    return $http->request($method, "$api$path",
                          { headers => $o{noauth} ? {} : $auth{headers} });
}

sub doc { my ($path) = @_; decode_json(req('GET', $path)->{content}) }
sub bans { @{ doc('/bans') } }
sub ban_of { my ($name) = @_; (grep { $_->{stream} eq $name } bans())[0] }
sub live { my ($name) = @_; grep { $_->{name} eq $name } @{ doc('/status')->{streams} } }
sub denied {
    my ($app) = grep { $_->{app} eq 'live' } @{ doc('/status')->{apps} };
    return $app ? $app->{publish_denied}{banned} // 0 : 0;
}
sub metric {
    my ($re) = @_;
    my ($v) = req('GET', '/metrics')->{content} =~ /^$re (\d+)$/m;
    return $v;
}

my $tag = 0;
sub try_publish {
    my ($name) = @_;
    my ($status, $sum) = $t->run_flood('p' . $tag++, '--url', $base, '--name', $name,
                                       '--duration', 1, '--timeout', 10);
    return ($sum->{ok} // 0) == 1 ? 'ok' : ($sum->{refused} // 0) == 1 ? 'refused' : 'failed';
}

# ---- bad input ---------------------------------------------------------------

my $tot0 = doc('/status')->{totals};
for my $s ('0', '-5', 'abc', '2592001', '', '10s', '1e3', '99999999999999999999') {
    my $r = req('PUT', "/bans/live/x?seconds=$s");
    is($r->{status}, 400, "PUT seconds=\"$s\": 400");
    like($r->{content}, qr/"error":"seconds must be a number from 1 to 2592000/, '... saying why');
}
is(req('PUT', '/bans/live/x')->{status}, 400, 'PUT without seconds: 400');
for my $s ('0', '-1', 'x', '2592001') {
    my $r = req('DELETE', "/streams/live/x?ban=$s");
    is($r->{status}, 400, "DELETE streams/live/x?ban=$s: 400");
    like($r->{content}, qr/"error":"ban must be a number of seconds/, '... saying why');
}
is(req('DELETE', '/bans/live/nothing')->{status}, 404, 'DELETE of a name not banned: 404');
my $r = req('GET', '/bans/live/x');
is($r->{status}, 405, 'GET bans/APP/NAME: 405');
is($r->{headers}{allow}, 'PUT, DELETE', '... Allow: PUT, DELETE');
is(req('POST', '/bans')->{status}, 405, 'POST bans: 405');
is(req('PUT', '/bans/live/..?seconds=5')->{status}, 404, 'a name that could never publish: 404');
is(req('GET', '/bans', noauth => 1)->{status}, 401, 'GET bans without the token: 401');
is(req('PUT', '/bans/live/x?seconds=5', noauth => 1)->{status}, 401, 'PUT without the token: 401');
is(req('DELETE', '/bans/live/x', noauth => 1)->{status}, 401, 'DELETE without the token: 401');
# counted in the log phase, after the answer is sent: a moment later
my $tot1;
wait_for(sub {
    $tot1 = doc('/status')->{totals};
    $tot1->{admin_bad_requests} - $tot0->{admin_bad_requests} >= 13
        && $tot1->{admin_not_found} - $tot0->{admin_not_found} >= 2
        && $tot1->{admin_rejected} - $tot0->{admin_rejected} >= 5;
}, 3);
is($tot1->{admin_bad_requests} - $tot0->{admin_bad_requests}, 13, 'each 400 is counted (admin_bad_requests)');
is($tot1->{admin_not_found} - $tot0->{admin_not_found}, 2, 'each 404 (admin_not_found)');
is($tot1->{admin_rejected} - $tot0->{admin_rejected}, 5, 'each 401 and 405 (admin_rejected)');
is_deeply([bans()], [], 'nothing was banned by the bad requests');
is(req('DELETE', '/streams/live/x?ban=60')->{status}, 404, 'a ban by drop of a name not live: 404');
is_deeply([bans()], [], '... and no ban is left behind');

# ---- ban by drop ---------------------------------------------------------------

my $pub = $t->flood('cam1', '--url', $base, '--name', 'cam1', '--duration', 30, '--timeout', 10);
ok(wait_for(sub { live('cam1') }, 10), 'cam1 is live');
$r = req('DELETE', '/streams/live/cam1?ban=60');
is($r->{status}, 202, 'DELETE streams/live/cam1?ban=60: 202');
my ($st, $sum) = $t->flood_finish('cam1', $pub, 10);
# cut off before its end (the light publisher counts a close this early as
# refused or dropped, by when it saw the publish start)
is(($sum->{ok} // 1) == 0 && ($sum->{dropped} // 0) + ($sum->{refused} // 0) == 1, 1,
   'the publisher is dropped') or diag(explain($sum));
ok(wait_for(sub { !live('cam1') }, 5), '... and gone from the status');

my $ban = ban_of('cam1');
ok($ban, 'GET bans lists live/cam1');
is($ban && $ban->{app}, 'live', '... its app');
like($ban && $ban->{until}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, '... until, RFC 3339');
ok($ban && $ban->{seconds_left} > 50 && $ban->{seconds_left} <= 60, "... seconds_left $ban->{seconds_left}");
is(metric('vstream_bans'), 1, 'metrics: vstream_bans 1');
is(doc('/status')->{totals}{bans}, 1, 'status: totals.bans 1');

# a banned name is refused by every worker: publish until both said so
my $before = denied();
my %pids;
my $attempts = 0;
while ($attempts < 30 && keys %pids < 2) {
    $attempts++;
    is(try_publish('cam1'), 'refused', "republish $attempts of cam1: refused");
    %pids = map { $_ => 1 } $t->error_log =~ /\] (\d+)#\d+: \*\d+ vstream: publish refused: [^\n]*stream "cam1", reason banned/g;
}
is(scalar(keys %pids), 2, "refused with reason banned by both workers (in $attempts attempts)");
is(denied() - $before, $attempts, 'each refusal counted as banned');
is(doc('/status')->{denied}[0]{reason}, 'banned', 'the ring shows reason banned');
like(req('GET', '/metrics')->{content}, qr/^vstream_publish_denied_total\{app="live",reason="banned"\} $attempts$/m,
     'metrics: vstream_publish_denied_total reason="banned"');
ok(wait_for(sub { ($hook->denied->{banned} // 0) >= $attempts }, 20),
   'publish_denied webhook events with reason banned') or diag(explain($hook->denied));

is(req('DELETE', '/bans/live/cam1')->{status}, 204, 'DELETE bans/live/cam1: 204');
is(req('DELETE', '/bans/live/cam1')->{status}, 404, '... again: 404');
is(try_publish('cam1'), 'ok', 'the ban lifted, cam1 publishes again');
is(metric('vstream_bans'), 0, 'metrics: vstream_bans 0');

# ---- PUT, and a reload keeps the bans ------------------------------------------

is(req('PUT', '/bans/live/cam2?seconds=100')->{status}, 201, 'PUT bans/live/cam2?seconds=100: 201');
$r = req('PUT', '/bans/live/cam2?seconds=300');
is($r->{status}, 200, 'PUT again with seconds=300: 200');
ok(ban_of('cam2')->{seconds_left} > 290, '... the ban is now 300 s');
is(try_publish('cam2'), 'refused', 'cam2 is refused');
is(doc('/status')->{denied}[0]{reason}, 'banned', '... as banned');

my %old = map { $_ => 1 } $t->worker_pids;
$t->reload;
ok(wait_for(sub {
    my $log = $t->error_log;
    2 == grep({ !$old{$_} } $t->worker_pids)
        && !grep { $log !~ /\b$_#\d+: gracefully shutting down/ } keys %old;
}, 20), 'reloaded: new workers, the old ones gone');
ok(ban_of('cam2'), 'after the reload the ban of cam2 is still there');
is(try_publish('cam2'), 'refused', '... and the new workers refuse cam2');
is(doc('/status')->{denied}[0]{reason}, 'banned', '... as banned');

# ---- a ban ends by itself -------------------------------------------------------

is(req('PUT', '/bans/live/cam3?seconds=2')->{status}, 201, 'a ban of cam3 for 2 s');
my $put = time;
is(try_publish('cam3'), 'refused', 'cam3 is refused');
ok(wait_for(sub { !ban_of('cam3') }, 10), 'the ban of cam3 ended by itself');
ok(time - $put >= 1.9, sprintf('... not before its 2 s (%.1f s)', time - $put));
is(try_publish('cam3'), 'ok', 'cam3 publishes again');
is(metric('vstream_bans'), 1, 'metrics: vstream_bans counts cam2 only');

# ---- vstreamctl ---------------------------------------------------------------

SKIP: {
    my $ctl = VStream::Test::top() . '/build/vstreamctl';
    skip 'vstreamctl not built', 9 unless -x $ctl;
    my $tokf = $t->prefix . '/conf/admin.token';
    my $run = sub { my $out = `$ctl @_ --url $api --token-file $tokf 2>&1`; ($? >> 8, $out) };

    my ($rc, $out) = $run->('ban live/cam4 120');
    is($rc, 0, 'vstreamctl ban live/cam4 120: exit 0');
    like($out, qr{^live/cam4: banned for 120s \(201\)$}m, '... says so');
    ($rc, $out) = $run->('bans');
    like($out, qr{^APP/STREAM\s+UNTIL\s+LEFT\n(?:.*\n)*live/cam4\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+1[12]\ds$}m,
         'vstreamctl bans: a table of the bans');
    ($rc, $out) = $run->('bans --json');
    is(ref(eval { decode_json($out) }), 'ARRAY', 'vstreamctl bans --json: the list as received');
    ($rc, $out) = $run->('unban live/cam4');
    like($out, qr{^live/cam4: ban lifted \(204\)$}m, 'vstreamctl unban');
    ($rc, $out) = $run->('unban live/cam4');
    is($rc, 1, 'vstreamctl unban of a name not banned: exit 1');
    like($out, qr{live/cam4 is not banned \(404\)}, '... saying so');

    my $pub = $t->flood('cam5', '--url', $base, '--name', 'cam5', '--duration', 30, '--timeout', 10);
    wait_for(sub { live('cam5') }, 10);
    ($rc, $out) = $run->('drop --ban 90 live/cam5');
    like($out, qr{^live/cam5: disconnect requested, banned for 90s \(202\)$}m, 'vstreamctl drop --ban 90');
    $t->flood_finish('cam5', $pub, 10);
    is(try_publish('cam5'), 'refused', '... cam5 is banned');
}

# ---- a full table ----------------------------------------------------------------

my $n = scalar bans();
my $fails = 0;
my $t0 = time;
for my $i ($n + 1 .. 1024) {
    $fails++ unless req('PUT', "/bans/live/fill$i?seconds=600")->{status} == 201;
}
my $fill = time - $t0;
is($fails, 0, 'the table takes bans up to 1024');
$t0 = time;
my $list = req('GET', '/bans');
my $get = time - $t0;
is(scalar(@{ decode_json($list->{content}) }), 1024, 'GET bans lists all 1024');
diag(sprintf('%d PUTs in %.2f s; GET bans of 1024: %d bytes in %.1f ms; a refused publish with 1024 bans: %s',
             1024 - $n, $fill, length $list->{content}, $get * 1000, try_publish('fill7')));
my $refused = metric('vstream_bans_refused_total');
$r = req('PUT', '/bans/live/onemore?seconds=600');
is($r->{status}, 507, 'one more: 507');
like($r->{content}, qr/the ban table is full/, '... saying the table is full');
is(metric('vstream_bans_refused_total') - $refused, 1, '... counted in vstream_bans_refused_total');
like($t->error_log, qr/\[error\][^\n]*the ban table is full/, '... and logged');
is(req('PUT', '/bans/live/fill1024?seconds=60')->{status}, 200, 'a ban in the table can still be changed');
is(req('DELETE', '/bans/live/fill1024')->{status}, 204, 'and lifted');
is(req('PUT', '/bans/live/onemore?seconds=600')->{status}, 201, 'then there is room again');

done_testing();
