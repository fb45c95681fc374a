#!/usr/bin/perl

# Prometheus over two frontends: Debian's prometheus, on a free loopback
# port with its own storage, loads the monitoring role's rules
# (ansible/roles/monitoring/files/rules/vstream.rules.yml) and scrapes
# /vstream/metrics of two nginx with the module every second, one over
# HTTPS (self-signed, checked against its certificate) and one over HTTP,
# each with its own bearer token, as the role's prometheus.yml does.  The
# fleet sums come back through the HTTP API; a scrape with a wrong token is
# down; the same stream name published on both frontends fires
# VstreamDuplicateStream.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny;
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);
use VStream::Test qw(wait_for);

my $rules = VStream::Test->top
    . '/ansible/roles/monitoring/files/rules/vstream.rules.yml';

my $fe1 = VStream::Test->new(need => [qw(ffmpeg prometheus openssl curl)]);
my $fe2 = VStream::Test->new;

my %token = (fe1 => "fe1-token-$$", fe2 => "fe2-token-$$");
$fe1->write_file('conf/admin.token', "$token{fe1}\n", 0600);
$fe2->write_file('conf/admin.token', "$token{fe2}\n", 0600);

my $crt = $fe1->prefix . '/conf/fe.crt';
my $key = $fe1->prefix . '/conf/fe.key';
system('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
       'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
       '-subj', '/CN=vstream-test-frontend', '-addext',
       'subjectAltName=IP:127.0.0.1', '-keyout', $key, '-out', $crt) == 0
    or die 'openssl could not make the certificate';

my $frontend = <<'END';
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls;
            hls_fragment 1s;
            hls_playlist_length 4s;
            vstream_hls_path %%PREFIX%%/hls;
        }
    }
}

http {
    access_log off;
    server {
        LISTEN
        location /vstream/ {
            vstream_admin;
            vstream_admin_token_file admin.token;
        }
    }
}
END

(my $conf1 = $frontend) =~ s{LISTEN}{listen 127.0.0.1:%%PORT_HTTP%% ssl;
        ssl_certificate $crt;
        ssl_certificate_key $key;};
(my $conf2 = $frontend) =~ s{LISTEN}{listen 127.0.0.1:%%PORT_HTTP%%;};
$fe1->write_conf($conf1)->run;
$fe2->write_conf($conf2)->run;

my %addr = (fe1 => '127.0.0.1:' . $fe1->port('http'),
            fe2 => '127.0.0.1:' . $fe2->port('http'));

# what the frontends say themselves, with their tokens
my $curl_metrics = sub {
    my ($fe) = @_;
    my $url = $fe eq 'fe1' ? "https://$addr{fe1}" : "http://$addr{fe2}";
    return scalar `curl -sf --max-time 5 --cacert $crt -H 'Authorization: Bearer $token{$fe}' $url/vstream/metrics`;
};
like($curl_metrics->('fe1'), qr/^vstream_zone_size_bytes \d+$/m,
     'fe1 answers /vstream/metrics over HTTPS with its token');
like($curl_metrics->('fe2'), qr/^vstream_zone_size_bytes \d+$/m,
     'fe2 answers /vstream/metrics over HTTP with its token');

# Prometheus: the role's layout (a scrape config per token, the job
# relabelled to "vstream"), every second.
my $p = $fe1->prefix;
$fe1->write_file('conf/fe1.token', "$token{fe1}\n", 0600);
$fe1->write_file('conf/fe2.token', "$token{fe2}\n", 0600);
$fe1->write_file('conf/wrong.token', "wrong-$$\n", 0600);
$fe1->write_file('conf/prometheus.yml', <<END);
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: vstream
    scheme: https
    metrics_path: /vstream/metrics
    authorization:
      credentials_file: $p/conf/fe1.token
    tls_config:
      ca_file: $crt
    static_configs:
      - targets: ['$addr{fe1}']
        labels: {frontend: fe1}
  - job_name: vstream-2
    scheme: http
    metrics_path: /vstream/metrics
    authorization:
      credentials_file: $p/conf/fe2.token
    static_configs:
      - targets: ['$addr{fe2}']
        labels: {frontend: fe2}
    relabel_configs:
      - {target_label: job, replacement: vstream}
  - job_name: vstream-wrong-token
    scheme: https
    metrics_path: /vstream/metrics
    authorization:
      credentials_file: $p/conf/wrong.token
    tls_config:
      ca_file: $crt
    static_configs:
      - targets: ['$addr{fe1}']
        labels: {frontend: wrong-token}
    relabel_configs:
      - {target_label: job, replacement: vstream}
      - {target_label: instance, replacement: wrong-token}
END

my $check = `promtool check config $p/conf/prometheus.yml 2>&1`;
is($?, 0, 'promtool check config accepts the configuration')
    or diag($check);

my $prom_port = $fe2->port('prometheus');
my $prom = fork // die "fork: $!";
if ($prom == 0) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$p/logs/prometheus.log";
    open STDERR, '>&', \*STDOUT;
    exec 'prometheus', "--config.file=$p/conf/prometheus.yml",
         "--storage.tsdb.path=$p/prometheus-data",
         "--web.listen-address=127.0.0.1:$prom_port", '--log.level=warn'
        or exit 127;
}
push @{ $fe1->{pids} }, $prom;

my $http = HTTP::Tiny->new(timeout => 5, keep_alive => 0);

# the result vector of an instant query, or undef
sub query {
    my ($q) = @_;
    my $r = $http->get("http://127.0.0.1:$prom_port/api/v1/query?"
                       . $http->www_form_urlencode({ query => $q }));
    return undef unless $r->{success};
    my $doc = eval { decode_json($r->{content}) } or return undef;
    return $doc->{status} eq 'success' ? $doc->{data}{result} : undef;
}

# the value of a query with one sample, or undef
sub value {
    my $res = query($_[0]);
    return $res && @$res == 1 ? $res->[0]{value}[1] : undef;
}

ok(wait_for(sub { defined query('up') }, 30), 'Prometheus answers its API')
    or diag($fe1->read_file('logs/prometheus.log'));

my $rtmp1 = $fe1->port('rtmp');
my $rtmp2 = $fe2->port('rtmp');
$fe1->publish("rtmp://127.0.0.1:$rtmp1/live/alpha");
$fe2->publish("rtmp://127.0.0.1:$rtmp2/live/beta");

my $up = wait_for(sub {
    my $res = query('up{job="vstream"}') or return undef;
    my %up = map { $_->{metric}{frontend} => $_->{value}[1] } @$res;
    return keys %up == 3 ? \%up : undef;
}, 15) || {};
is($up->{fe1}, 1, 'fe1 is scraped over HTTPS with the token and the CA');
is($up->{fe2}, 1, 'fe2 is scraped over HTTP with its own token');
is($up->{'wrong-token'}, 0, 'a scrape with a wrong token is down (401)');
ok(wait_for(sub {
    query('ALERTS{alertname="VstreamFrontendDown",instance="wrong-token"}')
        ->[0] }, 10),
   'VstreamFrontendDown is pending for it');

my $t0 = time;
is(wait_for(sub { (value('job:vstream_streams:sum') // 0) == 2 }, 30), 1,
   'job:vstream_streams:sum is 2: one stream on each frontend');
note(sprintf 'both streams in the fleet sum %.1f s after the publishers '
     . 'started', time - $t0);

my $streams = query('vstream_stream_uptime_seconds') || [];
is(join(' ', sort map { "$_->{metric}{frontend}/$_->{metric}{stream}" }
                     @$streams),
   'fe1/alpha fe2/beta', 'each stream is seen on its own frontend');

# The bitrate is measured over 5 s: once both are steady, Prometheus'
# total is the sum of what each frontend reports itself.
my ($sum, $direct);
wait_for(sub {
    my $res = query('vstream_stream_bitrate_bps') or return undef;
    return undef unless @$res == 2 && !grep { $_->{value}[1] < 150000 } @$res;
    $sum = value('job:vstream_stream_bitrate_bps:sum');
    $direct = 0;
    for my $fe (qw(fe1 fe2)) {
        my $text = $curl_metrics->($fe) // '';
        $direct += $1
            while $text =~ /^vstream_stream_bitrate_bps\{.*\} (\d+)$/mg;
    }
    return defined $sum && abs($sum - $direct) < 0.2 * $direct;
}, 30);
ok($sum && $direct && abs($sum - $direct) < 0.2 * $direct,
   'job:vstream_stream_bitrate_bps:sum is the sum of both frontends\' bitrates'
   . ' (' . ($sum // 'none') . ' bps; the frontends say ' . ($direct // 0) . ')');
cmp_ok($sum // 0, '>', 2 * 150000, '... of two streams');
is(value('job:vstream_hls_viewers:sum'), 0, 'job:vstream_hls_viewers:sum is 0');
# (a rate needs two samples of the per-app series, which appear with the
# first publish)
my $denied = wait_for(sub {
    my $v = value('job:vstream_publish_denied:rate1m');
    defined $v ? [$v] : undef }, 10) || [];
is($denied->[0], 0, 'job:vstream_publish_denied:rate1m is 0');
is_deeply(query('ALERTS{alertname="VstreamDuplicateStream"}'), [],
          'no VstreamDuplicateStream while the names differ');

# the same name on the other frontend too
$fe2->publish("rtmp://127.0.0.1:$rtmp2/live/alpha");
$t0 = time;
my $dup = wait_for(sub {
    my $res = query('ALERTS{alertname="VstreamDuplicateStream",'
                    . 'alertstate="firing"}');
    return $res && @$res ? $res : undef;
}, 40) || [];
my $fired = time - $t0;
is(scalar @$dup, 1, 'VstreamDuplicateStream fires for live/alpha on both frontends');
is($dup->[0]{metric}{app} . '/' . $dup->[0]{metric}{stream}, 'live/alpha',
   '... naming the stream');
note(sprintf 'VstreamDuplicateStream fired %.1f s after the second publish '
     . '(for: 10s)', $fired);
is(value('count by (app, stream) (vstream_stream_uptime_seconds{stream="alpha"})'),
   2, 'live/alpha has a series from each frontend');
is(value('job:vstream_streams:sum'), 3, 'job:vstream_streams:sum is 3');

unlike($fe1->read_file('logs/prometheus.log') // '', qr/level=error/,
       'Prometheus logged no error');

done_testing();
