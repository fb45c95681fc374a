package VStream::S3;

# What the S3 tests (t/63, t/64) share: a real S3-compatible server (s3rver,
# pinned by t/s3/package-lock.json, installed by "npm ci" when missing) on a
# free loopback port with its own directory, Debian's awscli to look at what
# arrived, recordings made the way the recorder makes them (the on-disk
# contract: PATH/APP/NAME/ID/ with segments of ffmpeg's HLS muxer,
# index.m3u8 EVENT then ENDLIST, info), and a fake IMDSv2 server.
#
#   my $s3 = VStream::S3->new($t, bucket => 'rec');   # skips without node
#   $s3->start; ...; $s3->stop; $s3->start;           # same port, same data
#   my @keys = $s3->keys('prefix/');
#   my $pool = VStream::S3::segments($t, 'cam', 8);   # [[file, seconds], ...]
#   my $rec = VStream::S3::Recording->new($t, "$root/live/cam/ID", $pool);
#   $rec->add(3); $rec->finish;

use strict;
use warnings;

use File::Basename qw(basename);
use Fcntl qw(:flock);
use File::Path qw(make_path);
use IO::Socket::INET;
use IO::Select;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);

my $AWS = '/usr/bin/aws';

# the account s3rver checks signatures against
our $KEY_ID = 'S3RVER';
our $SECRET = 'S3RVER';

sub new {
    my ($class, $t, %opt) = @_;
    my $top = VStream::Test::top();
    my @why;
    push @why, 'node not installed' unless _which('node');
    push @why, "Debian's awscli not installed ($AWS)" unless -x $AWS;
    plan(skip_all => join('; ', @why)) if @why;
    _npm_ci($top);

    my $self = bless {
        t      => $t,
        top    => $top,
        bucket => $opt{bucket} || 'vstream-rec',
        dir    => $t->prefix . '/s3rver',
        port   => _free_port(),
        pid    => undef,
        owner  => $$,
    }, $class;
    make_path($self->{dir});
    return $self;
}

# t/s3/node_modules from the committed lock, once (the two S3 tests may
# start together); Debian's nodejs comes without npm, NodeSource's with it
sub _npm_ci {
    my ($top) = @_;
    my $dir = "$top/t/s3";
    return if -d "$dir/node_modules/s3rver";
    open my $lock, '>', '/tmp/vstream-s3-npm.lock' or die $!;
    flock($lock, LOCK_EX) or die $!;
    return if -d "$dir/node_modules/s3rver";
    unless (_which('npm')) {
        plan(skip_all => 'npm not installed') if $> != 0;
        system('DEBIAN_FRONTEND=noninteractive apt-get install -y -q '
               . '--no-install-recommends npm >/dev/null 2>&1');
        plan(skip_all => 'npm not installed, and apt-get could not')
            unless _which('npm');
    }
    my $out = `npm ci --prefix '$dir' --no-audit --no-fund 2>&1`;
    die "npm ci in t/s3 failed:\n$out" if $?;
}

sub _which {
    my ($cmd) = @_;
    for my $dir (split /:/, $ENV{PATH}) {
        return "$dir/$cmd" if -x "$dir/$cmd";
    }
    return undef;
}

sub _free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1) or die $!;
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub port { $_[0]{port} }
sub bucket { $_[0]{bucket} }
sub endpoint { 'http://127.0.0.1:' . $_[0]{port} }

# Starts s3rver and waits for it to say it listens.
sub start {
    my ($self) = @_;
    die 's3rver already runs' if $self->{pid};
    pipe(my $r, my $w) or die $!;
    my $log = $self->{t}->prefix . '/logs/s3rver.log';
    my $pid = fork // die $!;
    if ($pid == 0) {
        close $r;
        open STDOUT, '>&', $w or die $!;
        open STDERR, '>>', $log or die $!;
        exec 'node', "$self->{top}/t/s3/server.js", $self->{port},
             $self->{dir}, $self->{bucket};
        die "exec node: $!";
    }
    close $w;
    my $sel = IO::Select->new($r);
    my $line = '';
    my $deadline = time + 60;
    while (time < $deadline && $line !~ /\n/) {
        next unless $sel->can_read(1);
        sysread($r, my $buf, 256) or last;
        $line .= $buf;
    }
    close $r;
    die "s3rver did not start: $line " . $self->{t}->read_file('logs/s3rver.log')
        unless $line =~ /^ready/;
    $self->{pid} = $pid;
    return $self;
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', $pid;
    my $gone = wait_for(sub { waitpid($pid, WNOHANG) == $pid }, 10);
    unless ($gone) {
        kill 'KILL', $pid;
        waitpid($pid, 0);
    }
    # nothing may answer on the port any more
    wait_for(sub {
        !IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                               PeerPort => $self->{port}, Timeout => 1)
    }, 10);
}

# (not in a child forked meanwhile: the server is its parent's)
sub DESTROY { $_[0]->stop if $_[0]{owner} == $$ }

# An nginx.conf template: one RTMP application recording under path with
# vstream_record_s3 PARAMS, and the admin API (metrics) on loopback.
#   VStream::S3::conf(app => 'live', path => $rec, s3 => 'bucket=...',
#                     workers => 2)
sub conf {
    my (%o) = @_;
    # the recorder needs the application's HLS directory, on the record
    # path's file system (its segments are hard links)
    my $hls = $o{hls} // "$o{path}.hls";
    File::Path::make_path($hls, $o{path});
    chmod 0777, $hls, $o{path};     # the workers (nobody) write there
    my $pre = defined $o{workers} ? "%%PREAMBLE(workers=$o{workers})%%"
                                  : '%%PREAMBLE%%';
    return <<"END";
$pre

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application $o{app} {
            live on;
            vstream_hls_path $hls;
            vstream_record_path $o{path};
            vstream_record_s3 $o{s3};
        }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ {
            vstream_admin;
            allow 127.0.0.1;
            deny all;
        }
    }
}
END
}

# aws ARGS... against this server: (exit status, output)
sub aws {
    my ($self, @args) = @_;
    local $ENV{AWS_ACCESS_KEY_ID} = $KEY_ID;
    local $ENV{AWS_SECRET_ACCESS_KEY} = $SECRET;
    local $ENV{AWS_DEFAULT_REGION} = 'us-east-1';
    local $ENV{AWS_CONFIG_FILE} = '/dev/null';
    local $ENV{AWS_SHARED_CREDENTIALS_FILE} = '/dev/null';
    local $ENV{AWS_PAGER} = '';
    my $cmd = join ' ', map { "'$_'" } $AWS, '--endpoint-url', $self->endpoint,
                                       @args;
    my $out = `$cmd 2>&1`;
    return ($? >> 8, $out);
}

# the keys under a prefix, sorted (aws s3api list-objects-v2)
sub keys {
    my ($self, $prefix) = @_;
    my ($rc, $out) = $self->aws(qw(s3api list-objects-v2 --bucket),
                                $self->{bucket}, '--prefix', $prefix // '',
                                qw(--output json));
    die "aws s3api list-objects-v2: $out" if $rc;
    return () unless $out =~ /\S/;
    my $doc = decode_json($out);
    return sort map { $_->{Key} } @{ $doc->{Contents} || [] };
}

# how many keys a prefix holds
sub count {
    my ($self, $prefix) = @_;
    my @k = $self->keys($prefix);
    return scalar @k;
}

# an object's metadata (aws s3api head-object): a hash, or undef
sub head {
    my ($self, $key) = @_;
    my ($rc, $out) = $self->aws(qw(s3api head-object --bucket),
                                $self->{bucket}, '--key', $key,
                                qw(--output json));
    return $rc ? undef : decode_json($out);
}

# aws s3 cp --recursive of a prefix into a local directory
sub download {
    my ($self, $prefix, $dir) = @_;
    make_path($dir);
    my ($rc, $out) = $self->aws(qw(s3 cp --recursive --only-show-errors),
                                "s3://$self->{bucket}/$prefix", $dir);
    die "aws s3 cp: $out" if $rc;
    return $dir;
}

# A pool of real segments: ffmpeg's HLS muxer, 1 s each (a keyframe every
# second), in PREFIX/segments/NAME-N.ts; returns [[path, seconds], ...].
sub segments {
    my ($t, $name, $seconds) = @_;
    my $dir = $t->prefix . '/segments';
    make_path($dir);
    my $log = $t->prefix . '/logs/ffmpeg-segments.log';
    system('ffmpeg', qw(-nostdin -y -loglevel error),
           qw(-f lavfi -i), "testsrc=size=320x240:rate=25:duration=$seconds",
           qw(-f lavfi -i), "sine=frequency=440:duration=$seconds",
           qw(-c:v libx264 -preset ultrafast -g 25 -keyint_min 25
              -sc_threshold 0 -c:a aac -b:a 64k -f hls -hls_time 1
              -hls_list_size 0 -hls_playlist_type event),
           '-hls_segment_filename', "$dir/$name-%d.ts", "$dir/$name.m3u8")
        == 0 or die "ffmpeg failed; see $log";
    my (@pool, $dur);
    open my $fh, '<', "$dir/$name.m3u8" or die $!;
    while (my $line = <$fh>) {
        chomp $line;
        if ($line =~ /^#EXTINF:([\d.]+)/) {
            $dur = $1;
        } elsif ($line =~ /^[^#]\S*\.ts$/) {
            push @pool, ["$dir/$line", $dur];
        }
    }
    die "ffmpeg made no segments" unless @pool;
    return \@pool;
}

# A fake IMDSv2 (instance metadata) server on a free loopback port: the
# token PUT, the role listing and the role's credentials (s3rver's
# account), each valid for $opt{ttl} seconds past the early refresh the
# uploader makes (5 min).  Every request is appended as JSON to $log.
sub imds {
    my ($t, %opt) = @_;
    my $log = $opt{log} || ($t->prefix . '/imds.jsonl');
    my $ttl = $opt{ttl} // 2;
    my $srv = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1',
                                    LocalPort => 0, ReuseAddr => 1) or die $!;
    my $port = $srv->sockport;
    my $pid = fork // die;
    if ($pid == 0) {
        my $deadline = time + 300;
        my $n = 0;
        while (time < $deadline) {
            my $c = $srv->accept or next;
            local $/ = "\r\n";
            my $req = <$c> // next;
            my ($method, $path) = $req =~ /^(\S+) (\S+)/;
            my %h;
            while (my $line = <$c>) {
                last if $line eq "\r\n";
                $h{lc $1} = $2 if $line =~ /^([^:]+):\s*(.*?)\r\n$/;
            }
            my ($status, $body) = (404, 'not found');
            my $token = 'imds-token-' . ++$n;
            if ($method eq 'PUT' && $path eq '/latest/api/token') {
                ($status, $body) = defined $h{'x-aws-ec2-metadata-token-ttl-seconds'}
                    ? (200, "tok-$$") : (400, 'no ttl');
            } elsif (($h{'x-aws-ec2-metadata-token'} // '') ne "tok-$$") {
                ($status, $body) = (401, 'no token');
            } elsif ($path eq '/latest/meta-data/iam/security-credentials/') {
                ($status, $body) = (200, "vstream-role\n");
            } elsif ($path eq '/latest/meta-data/iam/security-credentials/vstream-role') {
                my @tm = gmtime(time + 300 + $ttl);
                my $exp = sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ',
                                  $tm[5] + 1900, $tm[4] + 1, @tm[3, 2, 1, 0]);
                ($status, $body) = (200, encode_json({
                    Code => 'Success', Type => 'AWS-HMAC',
                    AccessKeyId => $KEY_ID, SecretAccessKey => $SECRET,
                    Token => "session-$n", Expiration => $exp }));
            }
            open my $fh, '>>', $log;
            print $fh encode_json({ method => $method, path => $path,
                                    headers => \%h, status => $status }), "\n";
            close $fh;
            print $c "HTTP/1.1 $status X\r\nContent-Length: " . length($body)
                . "\r\nConnection: close\r\n\r\n$body";
            close $c;
        }
        exit 0;
    }
    close $srv;
    push @{ $t->{pids} }, $pid;
    return ($port, $log);
}


package VStream::S3::Recording;

# One recording directory as the recorder keeps it: segments hard-linked
# from the pool in before they are listed, index.m3u8 and info replaced
# atomically (written beside, renamed).

use File::Path qw(make_path);
use File::Basename qw(basename);

sub new {
    my ($class, $dir, $pool, %opt) = @_;
    make_path($dir);
    # the uploader runs in a worker (nobody): it notes and removes files
    chmod 0777, $dir;
    my $self = bless { dir => $dir, pool => $pool, next => 0, listed => [],
                       started => $opt{started} || time }, $class;
    return $self;
}

sub dir { $_[0]{dir} }
sub listed { @{ $_[0]{listed} } }

# links the next n segments of the pool in, then lists them (EVENT)
sub add {
    my ($self, $n, %opt) = @_;
    for (1 .. $n) {
        my $seg = $self->{pool}[$self->{next}++] or die 'the pool is used up';
        my $name = basename($seg->[0]);
        link($seg->[0], "$self->{dir}/$name") or die "link $name: $!"
            unless $opt{missing} || -e "$self->{dir}/$name";
        push @{ $self->{listed} }, [$name, $seg->[1], -s $seg->[0]];
    }
    $self->write(0);
}

sub finish { $_[0]->write(1) }

sub write {
    my ($self, $complete) = @_;
    my ($dur, $bytes) = (0, 0);
    my $pl = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
           . "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n";
    for my $s (@{ $self->{listed} }) {
        $pl .= "#EXTINF:$s->[1],\n$s->[0]\n";
        $dur += $s->[1];
        $bytes += $s->[2];
    }
    $pl .= "#EXT-X-ENDLIST\n" if $complete;
    _replace("$self->{dir}/index.m3u8", $pl);
    _replace("$self->{dir}/info",
             "started_at $self->{started}\nsegments " . @{ $self->{listed} }
             . "\nbytes $bytes\nduration_ms " . int($dur * 1000 + 0.5)
             . "\ncomplete $complete\n");
}

sub _replace {
    my ($path, $content) = @_;
    open my $fh, '>', "$path.tmp" or die "$path.tmp: $!";
    print $fh $content;
    close $fh or die $!;
    chmod 0644, "$path.tmp";
    rename "$path.tmp", $path or die "rename $path: $!";
}

1;
