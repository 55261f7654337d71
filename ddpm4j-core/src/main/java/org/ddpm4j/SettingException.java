package org.ddpm4j;

/**
 * A setting outside its range, naming the setting: the message is {@code field: reason}, for example
 * {@code steps: must be in 1..1000, got 0}, and on the command line {@code --steps must be in 1..1000, got 0}.
 * A reason that names settings itself writes them as {@code {name}} and is then the whole message
 * ({@code "give exactly one budget: {epochs}, {steps} or {minutes}"}). Field names are the settings' names as
 * the CLI spells its flags and the studio its JSON keys ({@code steps}, {@code weight-decay}); the public API
 * rethrows these as {@code org.ddpm4j.api.InvalidRequestException}.
 */
public class SettingException extends DdpmException {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    public SettingException(String field, String reason) {
        super(reason.contains("{") ? reason : field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    @Override
    public String flagMessage() {
        return reason.contains("{") ? render(reason, "--") : "--" + field + " " + reason;
    }

    /** The setting at fault. */
    public String field() {
        return field;
    }

    /** What is wrong with it (setting names as {@code {name}}). */
    public String reason() {
        return reason;
    }
}
