package org.ddpm4j.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.ddpm4j.DdpmException;
import org.ddpm4j.util.AtomicFiles;

/**
 * One training at a time per run directory: an OS file lock on {@code RUN/train.lock}. The kernel drops the
 * lock when its process ends in any way, kill -9 and power loss included, so a crash never leaves a run locked;
 * the file's text only names the holder for the error message. Taking the lock also proves the directory is
 * writable before any work starts, and clears temporary files a killed writer left behind.
 */
public final class RunLock implements AutoCloseable {

    public static final String FILE = "train.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static RunLock acquire(Path runDir) {
        AtomicFiles.ensureDirectory(runDir);
        Path file = runDir.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new DdpmException("cannot write to " + runDir + ": " + AtomicFiles.describe(e));
        }
        try {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this very process
            }
            if (l == null) {
                String holder = holder(file);
                ch.close();
                throw new DdpmException(runDir + " is in use by another training" + (holder.isEmpty() ? "" : " (" + holder + ")")
                        + "; wait for it to end or stop it first");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ", started " + Instant.now() + "\n")
                    .getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
            removeStaleTemporaries(runDir);
            return new RunLock(ch, l);
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw new DdpmException("cannot write to " + runDir + ": " + AtomicFiles.describe(e));
        }
    }

    private static String holder(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Temporary files of {@link AtomicFiles} whose writer died before its rename; nobody else writes here now. */
    private static void removeStaleTemporaries(Path runDir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(runDir, ".*.tmp-*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock dies with the channel or the process anyway
        }
    }
}
