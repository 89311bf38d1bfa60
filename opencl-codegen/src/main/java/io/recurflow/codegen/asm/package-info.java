/**
 * Every use of ASM in Recurflow: the generated entry classes of bundles ({@link
 * io.recurflow.codegen.asm.EntryClassGenerator}) and the listing of their methods ({@link
 * io.recurflow.codegen.asm.EntryClassListing}).
 */
package io.recurflow.codegen.asm;
