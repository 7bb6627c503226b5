using Microsoft.EntityFrameworkCore;

namespace Bifrost.Messaging;

public static class MessagingModelBuilderExtensions
{
    /// <summary>Adds <c>outbox_messages</c> to a publishing service's model (in its default schema).</summary>
    public static ModelBuilder AddOutbox(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OutboxMessage>(b =>
        {
            b.ToTable("outbox_messages");
            b.HasKey(m => m.Id);
            b.Ignore(m => m.Event);
            b.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
            b.Property(m => m.Sequence).HasColumnName("sequence").UseIdentityAlwaysColumn();
            b.HasIndex(m => m.Sequence).HasFilter("parked_at IS NULL");
            b.Property(m => m.ParkedAt).HasColumnName("parked_at");
            b.Property(m => m.MessageType).HasColumnName("message_type").HasMaxLength(512);
            b.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            b.Property(m => m.OccurredAt).HasColumnName("occurred_at");
            b.Property(m => m.TraceParent).HasColumnName("trace_parent").HasMaxLength(128);
            b.Property(m => m.TraceState).HasColumnName("trace_state").HasMaxLength(512);
            b.Property(m => m.Attempts).HasColumnName("attempts");
            b.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(2000);
        });
        return modelBuilder;
    }

    /// <summary>Adds <c>inbox_messages</c> to a consuming service's model (in its default schema).</summary>
    public static ModelBuilder AddInbox(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<InboxMessage>(b =>
        {
            b.ToTable("inbox_messages");
            b.HasKey(m => new { m.MessageId, m.Consumer });
            b.Property(m => m.MessageId).HasColumnName("message_id");
            b.Property(m => m.Consumer).HasColumnName("consumer").HasMaxLength(200);
            b.Property(m => m.ProcessedAt).HasColumnName("processed_at");
            b.HasIndex(m => m.ProcessedAt);
        });
        return modelBuilder;
    }
}
