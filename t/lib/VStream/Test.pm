package VStream::Test;

# A small harness for vstream's tests, in core Perl: writes an nginx.conf from
# the test's template into a temporary prefix with free ports, loads Debian's
# nginx-rtmp module and ours, starts and stops nginx, makes network namespaces
# (veth pairs) standing in for hosts of the private subnet, runs real ffmpeg
# publishers, and talks HTTP.  Traffic only ever goes to loopback or to the
# namespaces a test made itself.
#
# At done_testing the harness stops every nginx the test ran and adds two
# test points per nginx: no alerts or crashes in its error log, no sanitizer
# reports.  What a test provokes on purpose it declares with expect_log.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(wait_for);

my $TOP = $ENV{VSTREAM_TOP} || abs_path(dirname(__FILE__) . '/../../..');
my $NGINX = $ENV{VSTREAM_NGINX} || '/usr/sbin/nginx';
my $RTMP_SO = $ENV{VSTREAM_RTMP_SO} || '/usr/lib/nginx/modules/ngx_rtmp_module.so';
my $STREAM_SO = $ENV{VSTREAM_STREAM_SO} || '/usr/lib/nginx/modules/ngx_stream_module.so';
my $ASAN = $ENV{VSTREAM_ASAN} ? 1 : 0;
my $MODULE_SO = $ENV{VSTREAM_MODULE}
    || ($ASAN ? "$TOP/build/asan/ngx_vstream_module.so" : "$TOP/build/ngx_vstream_module.so");

my @ALL;    # every harness object, for cleanup at exit

sub top { $TOP }
sub module_so { $MODULE_SO }

# VStream::Test->new(need => [qw(ffmpeg netns flood)]) skips the whole file when a
# need is not met, with the reason.
sub new {
    my ($class, %opt) = @_;

    my @why;
    push @why, "nginx not found at $NGINX" unless -x $NGINX;
    push @why, "nginx-rtmp not found at $RTMP_SO" unless -f $RTMP_SO;
    push @why, "module not built ($MODULE_SO); run 'make module'" unless -f $MODULE_SO;
    for my $need (@{ $opt{need} || [] }) {
        if ($need eq 'ffmpeg') {
            push @why, 'ffmpeg not installed' unless _which('ffmpeg');
        } elsif ($need eq 'netns') {
            push @why, 'network namespaces need root and iproute2'
                unless $> == 0 && _which('ip');
        } elsif ($need eq 'flood') {
            push @why, "the light publisher is not built; run 'make tools'"
                unless -x flood_tool() && -f flood_sample();
        } elsif ($need eq 'stream') {
            push @why, "nginx's stream module not found at $STREAM_SO "
                . '(libnginx-mod-stream)' unless -f $STREAM_SO;
        } elsif ($need eq 'curl') {
            push @why, 'curl not installed' unless _which('curl');
        } else {
            push @why, "$need not found" unless _which($need);
        }
    }
    plan(skip_all => join('; ', @why)) if @why;

    my $self = bless {
        prefix  => tempdir('vstream-t-XXXXXX', TMPDIR => 1, CLEANUP => 0),
        ports   => {},
        held    => {},      # name => socket keeping the port until nginx binds it
        expect  => [],      # error log lines provoked on purpose
        pids    => [],
        netns   => [],
        started => 0,
        ran     => 0,       # nginx was started at least once: check its log
        owner   => $$,      # a forked child that exits must not clean up
    }, $class;

    # nginx's workers run as nobody: they must reach the prefix
    chmod 0755, $self->{prefix};
    make_path(map { "$self->{prefix}/$_" } qw(conf logs hls html));
    chmod 0777, "$self->{prefix}/hls";
    # the workers' sanitizer reports (logs/asan.PID) are written as nobody
    chmod 01777, "$self->{prefix}/logs";
    push @ALL, $self;
    return $self;
}

sub prefix { $_[0]{prefix} }

# The address nginx listens on and the test talks to (a subclass may run
# nginx elsewhere, e.g. in a namespace), and the command that runs nginx.
sub addr { $_[0]{addr} // '127.0.0.1' }
sub nginx_cmd { my ($self, @args) = @_; return ($NGINX, @args) }

sub _which {
    my ($cmd) = @_;
    for my $dir (split /:/, $ENV{PATH} . ':/usr/sbin:/sbin') {
        return "$dir/$cmd" if -x "$dir/$cmd";
    }
    return undef;
}

# A free TCP port on loopback, remembered under a name (http, rtmp, ...).
# Until nginx starts, the port stays reserved: a socket bound to it (not
# listening, so a connection to it is refused) is held, and closed right
# before nginx -t, nginx's start and reload, so that a parallel test cannot
# take the port in between.  A port named while nginx runs is not held.  A
# port handed to a server other than this nginx must be released first
# ($t->release_ports); a child forked (without exec) while ports are held
# keeps them bound until it exits.
sub port {
    my ($self, $name) = @_;
    return $self->{ports}{$name} if $self->{ports}{$name};
    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                      Proto => 'tcp') or next;
        my $port = $s->sockport;
        next if grep { $_ == $port } values %{ $self->{ports} };
        # keep clear of ports other parallel tests already took
        next if $port < 20000;
        $self->{held}{$name} = $s unless $self->{started};
        return $self->{ports}{$name} = $port;
    }
    die "no free port";
}

# Closes the sockets that hold the ports, for a server other than this
# nginx: the harness does not take them back.
sub release_ports {
    my ($self) = @_;
    $self->{given}{$_} = 1 for keys %{ $self->{held} };
    return $self->_release_ports;
}

sub _release_ports {
    my ($self) = @_;
    close $_ for values %{ $self->{held} };
    $self->{held} = {};
    return $self;
}

# Takes the ports back after nginx -t (nginx does not run): a port another
# process has taken meanwhile is left alone (nginx's bind will say so).
sub _hold_ports {
    my ($self) = @_;
    return if $self->{started};
    for my $name (keys %{ $self->{ports} }) {
        next if $self->{held}{$name} || $self->{given}{$name};
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', Proto => 'tcp',
                                      LocalPort => $self->{ports}{$name})
            or next;
        $self->{held}{$name} = $s;
    }
}

sub write_file {
    my ($self, $name, $content, $mode) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{prefix}/$name";
    make_path(dirname($path));
    open my $fh, '>', $path or die "$path: $!";
    print $fh $content;
    close $fh;
    chmod $mode, $path if defined $mode;
    return $path;
}

sub read_file {
    my ($self, $name) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{prefix}/$name";
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

# Expands %%NAME%% in the template:
#   %%PREAMBLE%%        the main context every test needs: the load_module
#                       lines, "error_log logs/error.log info;",
#                       "pid logs/nginx.pid;" and an events block with
#                       worker_connections 256.  Parameters, comma-separated:
#                       %%PREAMBLE(workers=2, connections=1024, log=notice)%%;
#                       modules=rtmp loads nginx-rtmp alone (not vstream);
#                       +stream adds nginx's stream module (modules=all+stream,
#                       with need => ['stream']).
#                       Without workers=, worker_processes is left to the
#                       test (nginx's default is one).
#   %%MODULES%%         the load_module lines alone (nginx-rtmp, vstream)
#   %%RTMP_MODULE%%     the load_module line of nginx-rtmp alone
#   %%PORT_x%%          a free port named x (see port)
#   %%PREFIX%%, %%TOP%%
sub write_conf {
    my ($self, $template, $name) = @_;
    $name ||= 'conf/nginx.conf';
    my $conf = $template;
    $conf =~ s/%%PREAMBLE(?:\(([^)]*)\))?%%/_preamble($1)/ge;
    $conf =~ s/%%MODULES%%/_load_modules('all')/ge;
    $conf =~ s/%%RTMP_MODULE%%/_load_modules('rtmp')/ge;
    $conf =~ s/%%PORT_(\w+)%%/$self->port(lc $1)/ge;
    $conf =~ s/%%PREFIX%%/$self->{prefix}/g;
    $conf =~ s/%%TOP%%/$TOP/g;
    $self->write_file($name, $conf);
    $self->{conf} = "$self->{prefix}/$name";
    return $self;
}

sub _load_modules {
    my ($which) = @_;
    my $lines = "load_module $RTMP_SO;\n";
    $lines .= "load_module $MODULE_SO;\n" unless $which =~ /^rtmp/;
    $lines .= "load_module $STREAM_SO;\n" if $which =~ /\+stream$/;
    return $lines;
}

sub _preamble {
    my ($args) = @_;
    my %p = (connections => 256, log => 'info', modules => 'all');
    for my $kv (split /\s*,\s*/, $args // '') {
        next unless length $kv;
        my ($k, $v) = $kv =~ /^\s*(\w+)\s*=\s*(\S+)\s*$/
            or die "%%PREAMBLE%%: \"$kv\" is not name=value";
        die "%%PREAMBLE%%: unknown parameter \"$k\" "
            . "(workers, connections, log, modules)"
            unless $k =~ /^(workers|connections|log|modules)$/;
        die "%%PREAMBLE%%: modules is \"all\" or \"rtmp\" (+stream), not \"$v\""
            if $k eq 'modules' && $v !~ /^(all|rtmp)(\+stream)?$/;
        $p{$k} = $v;
    }
    return _load_modules($p{modules})
        . (defined $p{workers} ? "worker_processes $p{workers};\n" : '')
        . "error_log logs/error.log $p{log};\n"
        . "pid logs/nginx.pid;\n"
        . "events { worker_connections $p{connections}; }\n";
}

sub _env {
    my %env;
    if ($ASAN) {
        my @rt = grep { -f } map { glob $_ }
            '/usr/lib/x86_64-linux-gnu/libasan.so.[0-9]*',
            '/usr/lib/x86_64-linux-gnu/libubsan.so.[0-9]*';
        %env = (
            LD_PRELOAD    => join(' ', (sort @rt)[0, -1]),
            ASAN_OPTIONS  => "detect_leaks=0:abort_on_error=1:log_path=$_[0]{prefix}/logs/asan",
            UBSAN_OPTIONS => "print_stacktrace=1:halt_on_error=1:log_path=$_[0]{prefix}/logs/ubsan",
        );
    }
    return %env;
}

# nginx -t of the test's configuration, or of another file: (ok, output)
sub test_config {
    my ($self, $conf) = @_;
    my @r = $self->_test_config($conf);
    $self->_hold_ports;
    return @r;
}

sub _test_config {
    my ($self, $conf) = @_;
    my $log = $conf ? 'logs/test-config.log' : 'logs/error.log';
    $conf ||= $self->{conf};
    # nginx -t binds the listening sockets too
    $self->_release_ports;
    my %env = $self->_env;
    local @ENV{keys %env} = values %env;
    my $cmd = join ' ', $self->nginx_cmd('-t', '-p', "$self->{prefix}/",
                                         '-c', $conf,
                                         '-e', "$self->{prefix}/$log");
    my $out = `$cmd 2>&1`;
    return ($? == 0, $out);
}

sub run {
    my ($self, %opt) = @_;
    my ($ok, $out) = $self->_test_config;
    die "nginx -t failed:\n$out" unless $ok;
    $self->{ran} = 1;
    my %env = $self->_env;
    {
        local @ENV{keys %env} = values %env;
        system($self->nginx_cmd('-p', "$self->{prefix}/", '-c', $self->{conf},
                                '-e', "$self->{prefix}/logs/error.log")) == 0
            or die "nginx did not start: " . $self->read_file('logs/error.log');
    }
    $self->{started} = 1;
    for my $name (keys %{ $self->{ports} }) {
        my $port = $self->{ports}{$name};
        wait_for(sub {
            IO::Socket::INET->new(PeerAddr => $self->addr, PeerPort => $port,
                                  Timeout => 1)
        }, 10) or die "nginx is not listening on $name ($port)";
    }
    return $self;
}

sub master_pid {
    my ($self) = @_;
    my $pid = $self->read_file('logs/nginx.pid');
    chomp $pid;
    return $pid;
}

sub worker_pids {
    my ($self) = @_;
    my $master = $self->master_pid or return ();
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh>;
        next unless $line;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S (\d+)/;
        push @pids, $pid if $ppid && $ppid == $master;
    }
    return sort { $a <=> $b } @pids;
}

sub signal {
    my ($self, $sig) = @_;
    my $pid = $self->master_pid or return;
    kill $sig, $pid;
}

sub reload {
    my ($self) = @_;
    $self->_release_ports;
    my %env = $self->_env;
    local @ENV{keys %env} = values %env;
    system($self->nginx_cmd('-p', "$self->{prefix}/", '-c', $self->{conf},
                            '-e', "$self->{prefix}/logs/error.log",
                            '-s', 'reload')) == 0
        or die "reload failed";
}

sub stop {
    my ($self) = @_;
    return unless $self->{started};
    my $pid = $self->master_pid;
    if ($pid && kill 0, $pid) {
        kill 'QUIT', $pid;
        wait_for(sub { !kill 0, $pid }, 10) or kill 'KILL', $pid;
    }
    # workers shut down after the master on QUIT; make sure none is left
    wait_for(sub { !$self->worker_pids }, 5);
    $self->{started} = 0;
}

# Polls $cond every 100 ms until it returns true or $timeout seconds pass.
sub wait_for {
    my ($cond, $timeout) = @_;
    my $deadline = time + ($timeout || 10);
    while (time < $deadline) {
        my $r = $cond->();
        return $r if $r;
        sleep 0.1;
    }
    return undef;
}

sub http {
    my ($self, $method, $path, %opt) = @_;
    my $port = $opt{port} || $self->port('http');
    my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
    my $addr = $self->addr;
    return $http->request($method, "http://$addr:$port$path",
                          { headers => $opt{headers} || {} });
}

sub get { my $self = shift; return $self->http('GET', @_) }

# Sends bytes as they are (for malformed requests); returns the status code.
sub raw {
    my ($self, $request, %opt) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $opt{port} || $self->port('http'),
                                  Timeout => 5) or return 0;
    print $s $request;
    my $line = <$s> // '';
    close $s;
    return $line =~ m{^HTTP/1\.\d (\d{3})} ? $1 : 0;
}

# GET a JSON document; dies with the body when it is not JSON.
sub json {
    my ($self, $path, %opt) = @_;
    my $r = $self->get($path, %opt);
    my $doc = eval { JSON::PP->new->utf8->decode($r->{content}) };
    die "not JSON from $path ($r->{status}): $r->{content}" unless $doc;
    return wantarray ? ($doc, $r) : $doc;
}

sub status_stream {
    my ($self, $app, $name, %opt) = @_;
    my $doc = $self->json('/vstream/status', %opt);
    for my $s (@{ $doc->{streams} }) {
        return $s if $s->{app} eq $app && $s->{name} eq $name;
    }
    return undef;
}

# A network namespace with a veth pair to this host: net => N gives the
# subnet 10.200.N.0/24 (host .1, namespace .2) and fd00:200:N::/64.
sub netns {
    my ($self, $tag, $net) = @_;
    my $id = $$ % 100000;
    my $name = "vst$id$tag";
    my $host = "vh$id$tag";
    my $peer = "vp$id$tag";
    $host = substr($host, 0, 15);
    $peer = substr($peer, 0, 15);
    my @cmds = (
        "ip netns add $name",
        "ip link add $host type veth peer name $peer",
        "ip link set $peer netns $name",
        "ip addr add 10.200.$net.1/24 dev $host",
        "ip -6 addr add fd00:200:$net\::1/64 dev $host nodad",
        "ip link set $host up",
        "ip netns exec $name ip addr add 10.200.$net.2/24 dev $peer",
        "ip netns exec $name ip -6 addr add fd00:200:$net\::2/64 dev $peer nodad",
        "ip netns exec $name ip link set $peer up",
        "ip netns exec $name ip link set lo up",
    );
    push @{ $self->{netns} }, { name => $name, host => $host };
    for my $cmd (@cmds) {
        system("$cmd 2>&1") == 0 or die "netns setup failed: $cmd";
    }
    return {
        name      => $name,
        addr      => "10.200.$net.2",
        gateway   => "10.200.$net.1",
        addr6     => "fd00:200:$net\::2",
        gateway6  => "fd00:200:$net\::1",
        cidr      => "10.200.$net.0/24",
        cidr6     => "fd00:200:$net\::/64",
    };
}

# Starts ffmpeg publishing a test pattern (H.264 + AAC) to $url; in a
# namespace with ns => $ns.  Returns the pid.
sub publish {
    my ($self, $url, %opt) = @_;
    my @cmd = ('ffmpeg', '-nostdin', '-hide_banner', '-loglevel', 'warning',
        '-re', '-f', 'lavfi', '-i',
        'testsrc2=size=' . ($opt{size} || '320x240') . ':rate=' . ($opt{fps} || 25),
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency',
        '-pix_fmt', 'yuv420p', '-g', $opt{gop} || 25, '-b:v', '300k',
        '-c:a', 'aac', '-ar', '44100', '-ac', '2', '-b:a', '64k',
        ($opt{duration} ? ('-t', $opt{duration}) : ()),
        '-f', 'flv', $url);
    unshift @cmd, 'ip', 'netns', 'exec', $opt{ns}{name} if $opt{ns};
    my $log = "$self->{prefix}/logs/ffmpeg-" . (scalar @{ $self->{pids} }) . '.log';
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $log;
        open STDERR, '>&', \*STDOUT;
        exec @cmd or exit 127;
    }
    push @{ $self->{pids} }, $pid;
    $self->{logs}{$pid} = $log;
    return $pid;
}

sub process_log { $_[0]->read_file($_[0]{logs}{$_[1]}) }

# A webhook receiver on loopback for up to $seconds (default 300): answers
# 204 and appends each request's body, a line, to $file.  Returns its port;
# the harness stops it with the test's other processes.
sub webhook_receiver {
    my ($self, $file, $seconds) = @_;
    my $srv = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1',
                                    LocalPort => 0, ReuseAddr => 1) or die $!;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $deadline = time + ($seconds || 300);
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
            open my $fh, '>>', $file or die "$file: $!";
            print $fh "$body\n";
            close $fh;
            print $c "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
            close $c;
        }
        exit 0;
    }
    my $port = $srv->sockport;
    close $srv;
    push @{ $self->{pids} }, $pid;
    return $port;
}

# True once the child has exited (reaps it); its exit status in $_[2].
sub exited {
    my ($self, $pid) = @_;
    my $r = waitpid($pid, WNOHANG);
    return $r == $pid || $r == -1;
}

# The light publisher (build/rtmp-flood, made by 'make tools') replaying
# the sample: flood(TAG, ARGS...) starts it in the background (its summary
# line in logs/flood-TAG.out, its notices in logs/flood-TAG.err) and
# returns the pid; flood_finish(TAG, PID, TIMEOUT) waits for it (bounded)
# and returns its exit status (-1 if it had to be killed), its summary as a
# hash and its notices; run_flood(TAG, ARGS...) does both.
sub flood_tool { "$TOP/build/rtmp-flood" }
sub flood_sample { "$TOP/build/bench/sample.flv" }

sub flood {
    my ($self, $tag, @args) = @_;
    my $log = "$self->{prefix}/logs";
    return $self->spawn("$log/flood-$tag.out", "$log/flood-$tag.err",
                        flood_tool(), '--flv', flood_sample(), @args);
}

# Starts a command in the background, its output and errors to two files;
# the harness stops it at the end.  Returns the pid.
sub spawn {
    my ($self, $out, $err, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out;
        open STDERR, '>', $err;
        exec @cmd or exit 127;
    }
    push @{ $self->{pids} }, $pid;
    return $pid;
}

# Waits (bounded) for a child the test started: its exit status, or -1
# after killing it when it did not finish in time.
sub finish_child {
    my ($self, $pid, $timeout) = @_;
    my $status;
    wait_for(sub {
        my $r = waitpid($pid, WNOHANG);
        $status = $? >> 8 if $r == $pid;
        $r != 0;
    }, $timeout || 30) and return $status;
    kill 'KILL', $pid;
    waitpid($pid, 0);
    return -1;
}

sub flood_finish {
    my ($self, $tag, $pid, $timeout) = @_;
    my $status = $self->finish_child($pid, $timeout);
    return (-1, {}, 'killed: did not finish in time') if $status == -1;
    my %sum = ($self->read_file("logs/flood-$tag.out") // '') =~ /(\w+)=(\S+)/g;
    return ($status, \%sum, $self->read_file("logs/flood-$tag.err"));
}

sub run_flood {
    my ($self, $tag, @args) = @_;
    return $self->flood_finish($tag, $self->flood($tag, @args));
}

sub kill_process {
    my ($self, $pid) = @_;
    return unless $pid;
    kill 'INT', $pid;
    wait_for(sub { $self->exited($pid) }, 5) or do {
        kill 'KILL', $pid;
        waitpid($pid, 0);
    };
}

# Starts a process (sleep 60, stopped with the test's) under pid $want, the
# pid of a process that is gone: the kernel hands out the pid after
# /proc/sys/kernel/ns_last_pid (root).  Other processes may fork meanwhile:
# a few tries.  The pid, or undef.
sub take_pid {
    my ($self, $want) = @_;
    for (1 .. 200) {
        open my $fh, '>', '/proc/sys/kernel/ns_last_pid' or return;
        print $fh $want - 1;
        close $fh;
        my $pid = fork // return;
        if ($pid == 0) {
            exec 'sleep', '60' or exit 127;
        }
        push @{ $self->{pids} }, $pid;
        return $pid if $pid == $want;
        kill 'KILL', $pid;
        waitpid($pid, 0);
    }
    return;
}

sub error_log { $_[0]->read_file('logs/error.log') }

# Error log lines the test provokes on purpose (a worker it kills, a reload
# it makes fail): lines matching one of the patterns are not problems for
# log_problems nor for the checks at done_testing.  Sanitizer report files
# are always problems.
#   $t->expect_log(qr/exited on signal 9/);
sub expect_log {
    my ($self, @re) = @_;
    push @{ $self->{expect} }, map { ref $_ ? $_ : qr/\Q$_\E/ } @re;
    return $self;
}

my $ALERT_RE = qr/\[(?:alert|emerg|crit)\]|exited on signal|core dumped/;
# (a report the sanitizer could not write says "Can't open file")
my $SANITIZER_RE = qr/AddressSanitizer|runtime error|ERROR: Can't open file/;

# (alerts and crashes, sanitizer findings) not expected by the test
sub _problems {
    my ($self) = @_;
    my (@alerts, @sanitizer);
    for my $line (split /\n/, $self->error_log) {
        my $alert = $line =~ $ALERT_RE;
        my $san = $line =~ $SANITIZER_RE;
        next unless $alert || $san;
        next if grep { $line =~ $_ } @{ $self->{expect} };
        push @{ $san ? \@sanitizer : \@alerts }, $line;
    }
    for my $f (glob "$self->{prefix}/logs/asan* $self->{prefix}/logs/ubsan*") {
        push @sanitizer, "sanitizer report $f: " . substr($self->read_file($f), 0, 2000);
    }
    return (\@alerts, \@sanitizer);
}

# What must never appear in an error log, nor in sanitizer reports (the
# lines the test expects aside).
sub log_problems {
    my ($self) = @_;
    my ($alerts, $sanitizer) = $self->_problems;
    return (@$alerts, @$sanitizer);
}

# The checks every test gets: for each nginx this process ran, stop it
# (with the test's processes first, so that the log is complete) and add
# its points.  With a fixed plan only a failing point is added (a passing
# one would break the count).  Returns the number of points added.
sub _final_checks {
    my ($fixed) = @_;
    my @mine = grep { $_->{owner} == $$ && $_->{ran} && !$_->{checked} } @ALL;
    my $added = 0;
    for my $i (0 .. $#mine) {
        my $self = $mine[$i];
        $self->{checked} = 1;
        $self->kill_process($_) for @{ $self->{pids} };
        $self->{pids} = [];
        $self->stop;
        my $which = @mine > 1 ? ' (nginx #' . ($i + 1) . ')' : '';
        my ($alerts, $sanitizer) = $self->_problems;
        for my $check ([$alerts, "no alerts or crashes in the error log$which"],
                       [$sanitizer, "no sanitizer reports$which"]) {
            my ($bad, $name) = @$check;
            next if $fixed && !@$bad;
            $added++;
            local $Test::Builder::Level = _test_level();
            ok(!@$bad, $name)
                or diag(join "\n", "in $self->{prefix}/logs/"
                        . " (VSTREAM_KEEP=1 keeps it):",
                        @$bad[0 .. ($#$bad < 19 ? $#$bad : 19)],
                        @$bad > 20 ? ('... and ' . (@$bad - 20) . ' more') : ());
        }
    }
    return $added;
}

# A failing check points at the test's done_testing line: the first frame
# outside the harness and Test::More.
sub _test_level {
    my $level = 1;
    $level++ while caller($level)
        && (caller($level))[0] =~ /^(?:VStream::Test|Test::More|Test::Builder)$/;
    return $level + 1;
}

# (plan, ended, bailed out) of the current test
sub _plan_state {
    my $ctx = Test::Builder->new->ctx;
    my $hub = $ctx->hub;
    my @r = ($hub->plan, $hub->ended, $hub->bailed_out);
    $ctx->release;
    return @r;
}

# done_testing adds the checks' points before it closes the plan.
{
    no warnings 'redefine';
    my $done_testing = \&Test::Builder::done_testing;
    *Test::Builder::done_testing = sub {
        my ($tb, $n) = @_;
        my ($plan) = _plan_state();
        my $added = _final_checks(defined $plan && $plan =~ /^\d+$/);
        $n += $added if defined $n;
        return $done_testing->($tb, defined $n ? ($n) : ());
    };
}

sub cleanup {
    my ($self) = @_;
    $self->kill_process($_) for @{ $self->{pids} };
    $self->{pids} = [];
    $self->stop;
    for my $ns (@{ $self->{netns} }) {
        system("ip link del $ns->{host} 2>/dev/null");
        system("ip netns del $ns->{name} 2>/dev/null");
    }
    $self->{netns} = [];
    remove_tree($self->{prefix}) if $self->{prefix} && !$ENV{VSTREAM_KEEP};
}

END {
    my $rc = $?;
    # no done_testing (a fixed plan, or the test died): check all the same,
    # unless the file was skipped or bailed out
    if (grep { $_->{owner} == $$ && $_->{ran} && !$_->{checked} } @ALL) {
        my ($plan, $ended, $bailed) = _plan_state();
        _final_checks(defined $plan && $plan =~ /^\d+$/)
            unless $ended || $bailed || (defined $plan && $plan eq 'SKIP');
    }
    $_->cleanup for grep { $_->{owner} == $$ } @ALL;
    $? = $rc;
}

1;
