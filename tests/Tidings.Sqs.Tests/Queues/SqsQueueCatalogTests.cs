using Tidings.Sqs.Queues;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Queues;

public sealed class SqsQueueCatalogTests : IDisposable
{
    private readonly TempDirectory _data = new("tidings-sqs-catalog");

    public void Dispose() => _data.Dispose();

    [Fact]
    public void A_fresh_data_directory_without_an_sqs_folder_opens_empty_and_the_first_save_creates_it()
    {
        string folder = _data.Combine(SqsCatalogFile.FolderName);

        var catalog = new SqsQueueCatalog(folder, TimeProvider.System);
        catalog.Add("orders", QueueSettings.Create(fifo: false, new Dictionary<string, string>()), new Dictionary<string, string>());
        catalog.Save();

        Assert.NotNull(new SqsQueueCatalog(folder, TimeProvider.System).Find("orders"));
    }
}
