package VStream::Hook;

# A webhook receiver for tests, in core Perl: a forked HTTP server on a free
# loopback port that appends each request's JSON body as one line to a file
# and answers 204.  The harness stops it with the test's other children.
#
#   my $hook = VStream::Hook->new($t);        # $t: a VStream::Test
#   ... vstream_webhook http://127.0.0.1:$hook->{port}/hooks; ...
#   my @events = $hook->events;                # decoded, oldest first

use strict;
use warnings;

use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(time);

sub new {
    my ($class, $t) = @_;
    my $file = $t->prefix . '/hook-events.jsonl';
    my $srv = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
                                    LocalPort => 0, ReuseAddr => 1)
        or die "webhook receiver: $!";
    my $port = $srv->sockport;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $deadline = time + 600;
        while (time < $deadline) {
            my $c = $srv->accept or next;
            local $/ = "\r\n";
            my $len = 0;
            while (my $line = <$c>) {
                $len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
                last if $line eq "\r\n";
            }
            my $body = '';
            read $c, $body, $len;
            open my $fh, '>>', $file or next;
            print $fh "$body\n";
            close $fh;
            print $c "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
            close $c;
        }
        exit 0;
    }
    close $srv;
    push @{ $t->{pids} }, $pid;
    return bless { port => $port, file => $file, t => $t }, $class;
}

sub events {
    my ($self) = @_;
    my $text = $self->{t}->read_file($self->{file}) // '';
    return map { decode_json($_) } grep { length } split /\n/, $text;
}

# the refusals received: reason => how many (events are coalesced)
sub denied {
    my ($self, $stream) = @_;
    my %n;
    for my $ev ($self->events) {
        next unless $ev->{event} eq 'publish_denied';
        next if defined $stream && ($ev->{stream} // '') ne $stream;
        $n{ $ev->{reason} } += $ev->{count} || 1;
    }
    return \%n;
}

1;
