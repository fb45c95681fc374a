#!/usr/bin/perl

# Admin answers that are not successes are counted by what they mean, so an
# alert on refusals means authentication: refused (401 no or a wrong token,
# 403 the allow list, 405 a method) apart from not found (404: typos,
# streams that ended) and other bad requests.  The access module's 403 is
# counted too (the log phase sees it).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new;

my $token = 'counters-token-' . $$;
$t->write_file('conf/admin.token', "$token\n", 0600);

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ {
            vstream_admin;
            vstream_admin_token_file admin.token;
        }
        location /closed/ {
            vstream_admin;
            vstream_admin_token_file admin.token;
            deny all;
        }
        location /other/ { return 404; }
    }
}
END

$t->run;
my %auth = (Authorization => "Bearer $token");

sub totals { $t->json('/vstream/status', headers => \%auth)->{totals} }

my $before = totals();
for my $k (qw(admin_rejected admin_not_found admin_bad_requests)) {
    ok(defined $before->{$k}, "status has totals.$k");
}

my @asks = (
    [401, 'GET', '/vstream/status', {}],
    [401, 'GET', '/vstream/status', { Authorization => 'Bearer wrong' }],
    [401, 'GET', '/vstream/typo', {}],
    [403, 'GET', '/closed/status', \%auth],
    [403, 'GET', '/closed/status', {}],
    [405, 'POST', '/vstream/status', \%auth],
    [405, 'PUT', '/vstream/metrics', \%auth],
    [404, 'GET', '/vstream/stauts', \%auth],
    [404, 'GET', '/vstream/status/status', \%auth],
    [404, 'GET', '/vstream/streams/live/gone', \%auth],
    [404, 'DELETE', '/vstream/streams/live/gone', \%auth],
);
my %want = (admin_rejected => 0, admin_not_found => 0, admin_bad_requests => 0);
for my $a (@asks) {
    my ($code, $method, $path, $headers) = @$a;
    my $r = $t->http($method, $path, headers => $headers);
    is($r->{status}, $code, "$method $path: $code");
    my $k = $code == 404 ? 'admin_not_found'
          : $code == 400 ? 'admin_bad_requests' : 'admin_rejected';
    $want{$k}++;
}
# a malformed body (bad chunked encoding): the handler discards it and
# nginx answers 400
my $code = $t->raw("POST /vstream/status HTTP/1.1\r\nHost: x\r\n"
                   . "Authorization: Bearer $token\r\nConnection: close\r\n"
                   . "Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n");
is($code, 400, 'a malformed chunked body: 400');
$want{admin_bad_requests}++;
# not an admin location: not counted
is($t->get('/other/x')->{status}, 404, 'a 404 elsewhere');

# counted in the log phase, after the answer is sent: a moment later
my $after;
wait_for(sub {
    $after = totals();
    !grep { $after->{$_} - $before->{$_} < $want{$_} } keys %want;
}, 3);
for my $k (sort keys %want) {
    is($after->{$k} - $before->{$k}, $want{$k}, "totals.$k counted $want{$k}");
}

my $m = $t->get('/vstream/metrics', headers => \%auth)->{content};
like($m, qr/^vstream_admin_rejected_total $after->{admin_rejected}$/m, 'metric: refused');
like($m, qr/^vstream_admin_not_found_total $after->{admin_not_found}$/m, 'metric: not found');
like($m, qr/^vstream_admin_bad_requests_total $after->{admin_bad_requests}$/m,
     'metric: other bad requests');

done_testing();
