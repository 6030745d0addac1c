using Switchyard.Cli.Output;

namespace Switchyard.Cli.Tests.Output;

public class TableTests
{
    [Fact]
    public void Render_ColumnsOfDifferentWidths_AlignsWithThreeSpacesAndNoTrailingBlanks()
    {
        var table = new Table(["name", "type", "age"]);
        table.AddRow(["web", "ClusterIP", "5s"]);
        table.AddRow(["payments-api", "", "3m"]);

        Assert.Equal(
            "NAME           TYPE        AGE\n" +
            "web            ClusterIP   5s\n" +
            "payments-api               3m\n",
            table.Render());
    }

    [Fact]
    public void AddRow_WrongNumberOfCells_Throws()
    {
        var table = new Table(["a", "b"]);
        Assert.Throws<ArgumentException>(() => table.AddRow(["only one"]));
    }

    [Fact]
    public void FormatLine_EmptyLastCell_HasNoTrailingSpaces()
    {
        Assert.Equal("a      b\n", Table.FormatLine(["a", "b", ""], [4, 1, 3]));
    }
}
