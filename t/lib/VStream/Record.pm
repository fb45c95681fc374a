package VStream::Record;

# What the recording tests (t/60 to t/62) share: a real-time publish of the
# sample with the light publisher, an application's recordings from the
# admin API, and a per-application counter from the metrics.
#   my $pid = rec_publish($t, 'live', 'cam1', 8);    # tag "live-cam1"
#   my @r = rec_list($t, 'live');
#   my $n = app_metric($t, 'vstream_record_failures_total', 'live');

use strict;
use warnings;
use Exporter 'import';

our @EXPORT_OK = qw(rec_publish rec_list app_metric);

sub rec_publish {
    my ($t, $app, $name, $secs) = @_;
    return $t->flood("$app-$name", '--url',
                     'rtmp://127.0.0.1:' . $t->port('rtmp') . "/$app",
                     '--name', $name, '--duration', $secs, '--rate', 1);
}

sub rec_list {
    my ($t, $app) = @_;
    my $d = eval { $t->json('/vstream/recordings') } or return ();
    return grep { $_->{app} eq $app } @{ $d->{recordings} };
}

# -1 when the sample is not there
sub app_metric {
    my ($t, $family, $app) = @_;
    my ($n) = $t->get('/vstream/metrics')->{content}
        =~ /^\Q$family\E\{app="\Q$app\E"\} (\d+)$/m;
    return $n // -1;
}

1;
