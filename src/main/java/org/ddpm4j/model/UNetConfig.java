package org.ddpm4j.model;

/** Placeholder for U-Net hyper-parameters (filled in by the U-Net). */
public record UNetConfig(int baseChannels) {}
