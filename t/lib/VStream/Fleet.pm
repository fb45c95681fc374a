package VStream::Fleet;

# Several frontends on one machine: each frontend is an nginx with the
# module running inside a network namespace of its own (ip netns exec), on
# the namespace's address, with the same fixed ports in every namespace
# (a namespace has a port space of its own).  Two frontends talk over a
# private link (a veth pair between their namespaces), the host reaches
# each on its "public" address.  A VStream::Fleet object is a VStream::Test
# whose nginx runs in the namespace: write_conf, run, stop, get, json and
# the error log checks at done_testing work as they do on loopback.
#
#   my $edge = VStream::Test->new(need => [qw(ffmpeg netns)]);
#   my $ns1 = $edge->netns('f1', 125);
#   my $fe1 = VStream::Fleet->new(ns => $ns1);
#   VStream::Fleet::private_link($edge, $ns1, $ns2, 128);   # 10.200.128.1 / .2

use strict;
use warnings;

use VStream::Test;

our @ISA = ('VStream::Test');

# The ports every frontend uses inside its namespace.
our %PORT = (http => 8080, peer => 8081, rtmp => 1935);

sub new {
    my ($class, %opt) = @_;
    my $ns = delete $opt{ns} or die 'VStream::Fleet->new needs ns';
    my $self = VStream::Test::new($class, %opt);
    $self->{ns} = $ns;
    $self->{addr} = $ns->{addr};
    # the harness waits for these on the namespace's address once nginx
    # runs; they are never held on the host
    for my $name (qw(http rtmp)) {
        $self->{ports}{$name} = $PORT{$name};
        $self->{given}{$name} = 1;
    }
    return $self;
}

sub ns { $_[0]{ns} }

sub nginx_cmd {
    my ($self, @args) = @_;
    return ('ip', 'netns', 'exec', $self->{ns}{name},
            $self->SUPER::nginx_cmd(@args));
}

# A veth pair between two namespaces: 10.200.N.1 in the first, 10.200.N.2
# in the second (the frontends' private network).  The pair goes away with
# the namespaces, which the harness object that made them deletes.
sub private_link {
    my ($t, $a, $b, $net) = @_;
    my $id = $$ % 100000;
    my ($ea, $eb) = ("vla$id$net", "vlb$id$net");
    for my $cmd ("ip link add $ea netns $a->{name} type veth peer name $eb "
                 . "netns $b->{name}",
                 "ip -n $a->{name} addr add 10.200.$net.1/24 dev $ea",
                 "ip -n $b->{name} addr add 10.200.$net.2/24 dev $eb",
                 "ip -n $a->{name} link set $ea up",
                 "ip -n $b->{name} link set $eb up") {
        system("$cmd 2>&1") == 0 or die "link setup failed: $cmd";
    }
    return ("10.200.$net.1", "10.200.$net.2");
}

# Starts ffmpeg reading $url (HLS) in namespace $ns and decoding $seconds
# of it (to nothing).  Returns the pid; play_finish(PID, TIMEOUT) waits for
# it and returns (exit status, seconds decoded) (-1 if it had to be killed).
sub play {
    my ($self, $ns, $url, $seconds, $tag) = @_;
    my $log = "$self->{prefix}/logs/play-$tag";
    my $pid = $self->spawn("$log.out", "$log.err",
        'ip', 'netns', 'exec', $ns->{name},
        'ffmpeg', '-nostdin', '-hide_banner', '-loglevel', 'warning',
        '-i', $url, '-t', $seconds, '-progress', "$log.progress",
        '-f', 'null', '-');
    $self->{logs}{$pid} = "$log.err";
    $self->{progress}{$pid} = "$log.progress";
    return $pid;
}

sub play_finish {
    my ($self, $pid, $timeout) = @_;
    my $status = $self->finish_child($pid, $timeout);
    my @us = $self->read_file($self->{progress}{$pid})
        =~ /^out_time_us=(\d+)/mg;
    return ($status, @us ? $us[-1] / 1e6 : 0);
}

# The lines of an access log (logs/NAME) whose request line matches $re.
sub log_lines {
    my ($self, $name, $re) = @_;
    return grep { $_ =~ $re } split /\n/, $self->read_file("logs/$name");
}

1;
